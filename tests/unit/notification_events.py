"""Notifiable events as the ledger and the services raise them, for the message, courier and
notification tests: one sample of each, with the figures the tests read back, typed as the
messaging actor reads them."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from actors.domain.events import Topic
from actors.domain.payloads import Notice, read_notice

EXCEEDED: dict[str, Any] = {
    "budget_id": str(uuid4()),
    "category": "groceries",
    "period": "monthly",
    "period_start": "2026-11-01",
    "period_end": "2026-11-30",
    "limit": "450.00",
    "spent": "512.30",
    "percent": "113.84",
    "threshold": 100,
    "overage": "62.30",
}
WARNING = {key: value for key, value in EXCEEDED.items() if key != "overage"} | {
    "spent": "365.00",
    "percent": "81.11",
    "threshold": 80,
}


def notice(kind: Topic, user_id: UUID, at: datetime, payload: dict[str, Any]) -> Notice:
    """The event as the messaging actor reads it off its topic: written as JSON by any
    producer, read back typed (MalformedEvent for a payload its schema refuses)."""
    written = {
        "id": str(uuid4()),
        "type": kind.value,
        "version": 1,
        "user_id": str(user_id),
        "occurred_at": at.isoformat(),
        "payload": payload,
    }
    return read_notice(kind.value, json.dumps(written).encode())


def phone() -> str:
    """A phone number no other test uses."""
    return f"+1555{uuid4().int % 10**7:07d}"


def budget_warning(user_id: UUID, category: str = "groceries") -> Notice:
    payload = WARNING | {"budget_id": str(uuid4()), "category": category}
    return notice(Topic.BUDGET_WARNING, user_id, datetime.now(UTC), payload)


def budget_exceeded(user_id: UUID, category: str = "groceries") -> Notice:
    payload = EXCEEDED | {"budget_id": str(uuid4()), "category": category}
    return notice(Topic.BUDGET_EXCEEDED, user_id, datetime.now(UTC), payload)


def goal_achieved(user_id: UUID, name: str = "Lisbon trip", at: datetime | None = None) -> Notice:
    at = at or datetime.now(UTC)
    payload = {
        "goal_id": str(uuid4()),
        "name": name,
        "target_amount": "1500.00",
        "saved": "1500.00",
        "achieved_at": at.isoformat(),
    }
    return notice(Topic.GOAL_ACHIEVED, user_id, at, payload)


def transaction_created(user_id: UUID, at: datetime | None = None) -> Notice:
    at = at or datetime.now(UTC)
    payload: dict[str, Any] = {
        "sequence": 1,
        "transaction_id": str(uuid4()),
        "local_date": at.date().isoformat(),
        "amount": "12.50",
        "type": "expense",
        "category": "groceries",
        "description": "market",
        "occurred_at": at.isoformat(),
        "goal_id": None,
    }
    return notice(Topic.TRANSACTION_CREATED, user_id, at, payload)


def bill_due(user_id: UUID, due_date: str = "2026-12-01") -> Notice:
    payload = {
        "recurring_id": str(uuid4()),
        "due_date": due_date,
        "amount": "950.00",
        "category": "rent",
        "description": "flat on Elm Street",
    }
    return notice(Topic.BILL_DUE, user_id, datetime.now(UTC), payload)
