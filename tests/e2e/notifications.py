"""Events for the notification tests, committed through the real outbox as a producer would."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from tortoise.transactions import in_transaction

from actors.domain.events import Event, Topic
from adapters import outbox
from adapters.models import Delivery

BUDGET: dict[str, Any] = {
    "category": "groceries",
    "period": "monthly",
    "period_start": "2026-11-01",
    "period_end": "2026-11-30",
    "limit": "450.00",
}


def phone() -> str:
    return f"+1555{uuid4().int % 10**7:07d}"


def budget_warning(user_id: UUID, category: str = "groceries") -> Event:
    payload = BUDGET | {"budget_id": str(uuid4()), "category": category}
    payload |= {"spent": "365.00", "percent": "81.11", "threshold": 80}
    return Event(Topic.BUDGET_WARNING, user_id, datetime.now(UTC), payload)


def budget_exceeded(user_id: UUID, category: str = "groceries") -> Event:
    payload = BUDGET | {"budget_id": str(uuid4()), "category": category}
    payload |= {"spent": "512.30", "percent": "113.84", "threshold": 100, "overage": "62.30"}
    return Event(Topic.BUDGET_EXCEEDED, user_id, datetime.now(UTC), payload)


def goal_achieved(user_id: UUID, name: str = "Lisbon trip") -> Event:
    now = datetime.now(UTC)
    payload = {
        "goal_id": str(uuid4()),
        "name": name,
        "target_amount": "1500.00",
        "saved": "1500.00",
        "achieved_at": now.isoformat(),
    }
    return Event(Topic.GOAL_ACHIEVED, user_id, now, payload)


def transaction_created(user_id: UUID) -> Event:
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "transaction_id": str(uuid4()),
        "amount": "12.50",
        "type": "expense",
        "category": "groceries",
        "description": "market",
        "occurred_at": now.isoformat(),
        "goal_id": None,
    }
    return Event(Topic.TRANSACTION_CREATED, user_id, now, payload)


async def stage(*events: Event) -> None:
    """Commit the events to the outbox in one transaction; the running relay publishes them."""
    async with in_transaction() as connection:
        await outbox.stage(events, connection)


async def deliveries(event: Event) -> list[Delivery]:
    return await Delivery.filter(event_id=event.id).order_by("channel")
