"""Builds one user's ledger events the way the services do: numbered 1, 2, 3... per user, with
the payloads typed in actors/domain/payloads.py."""

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from actors.domain import payloads
from actors.domain.events import Event, Topic
from actors.domain.ledger import Entry, EntryType, Ledger, spent_per_period
from actors.domain.money import from_cents
from actors.domain.payloads import LedgerEvent, TransactionCreated
from actors.domain.periods import Period

TODAY = date(2024, 6, 12)  # a Wednesday; its week runs 10-16 June 2024
NOW = datetime(2024, 6, 12, 9, 30, tzinfo=UTC)


class Stream:
    """One user's ledger events, numbered in commit order, remembering each transaction."""

    def __init__(self, user_id: UUID | None = None) -> None:
        self.user_id = user_id or uuid4()
        self.sequence = 0
        self.entries: dict[str, Entry] = {}

    def ledger(self) -> Ledger:
        return Ledger(user_id=self.user_id)

    def _next(self, topic: Topic, payload: dict[str, Any], at: datetime = NOW) -> LedgerEvent:
        """The event as a shard reads it: written as JSON, decoded into its typed schema."""
        self.sequence += 1
        written = Event(topic, self.user_id, at, {"sequence": self.sequence, **payload})
        return payloads.read(topic.value, written.to_json())

    # -- transactions

    def create(self, entry: Entry, at: datetime = NOW) -> LedgerEvent:
        transaction_id = str(uuid4())
        self.entries[transaction_id] = entry
        payload = {
            **entry_payload(entry),
            "transaction_id": transaction_id,
            "description": f"{entry.type.value} in {entry.category}",
            "occurred_at": at.isoformat(),
        }
        return self._next(Topic.TRANSACTION_CREATED, payload, at)

    def expense(
        self,
        amount: str,
        category: str = "food",
        day: date = TODAY,
        goal_id: UUID | None = None,
        at: datetime = NOW,
    ) -> LedgerEvent:
        return self.create(Entry(Decimal(amount), EntryType.EXPENSE, category, day, goal_id), at)

    def income(
        self,
        amount: str,
        category: str = "savings",
        day: date = TODAY,
        goal_id: UUID | None = None,
        at: datetime = NOW,
    ) -> LedgerEvent:
        return self.create(Entry(Decimal(amount), EntryType.INCOME, category, day, goal_id), at)

    def update(self, created: LedgerEvent, at: datetime = NOW, **changes: Any) -> LedgerEvent:
        """Change the transaction `created` made: amount="12.00", category=..., day=..."""
        transaction_id = _transaction_id(created)
        old = self.entries[transaction_id]
        if "amount" in changes:
            changes["amount"] = Decimal(changes["amount"])
        new = replace(old, **changes)
        self.entries[transaction_id] = new
        payload = {
            "transaction_id": transaction_id,
            "old": entry_payload(old),
            "new": entry_payload(new),
        }
        return self._next(Topic.TRANSACTION_UPDATED, payload, at)

    def delete(self, created: LedgerEvent, at: datetime = NOW) -> LedgerEvent:
        transaction_id = _transaction_id(created)
        old = self.entries.pop(transaction_id)
        payload = {"transaction_id": transaction_id, "old": entry_payload(old)}
        return self._next(Topic.TRANSACTION_DELETED, payload, at)

    # -- budgets and goals

    def budget(
        self,
        budget_id: UUID,
        limit: str,
        category: str = "food",
        period: str = "monthly",
        thresholds: Iterable[int] = (80, 100),
        today: date = TODAY,
        **rollover: str,
    ) -> LedgerEvent:
        """`rollover`: rollover="surplus", starts_on="2024-05-01" as the service writes them."""
        definition = {
            "category": category,
            "period": period,
            "limit": limit,
            "alert_thresholds": list(thresholds),
            "spent": self.spent_so_far(category, Period(period)),
            "recurring": self.spent_so_far(category, Period(period), recurring=True),
            **rollover,
        }
        return self._next(
            Topic.BUDGET_CHANGED,
            {"budget_id": str(budget_id), "local_date": today.isoformat(), "budget": definition},
        )

    def spent_so_far(
        self, category: str, period: Period, recurring: bool = False
    ) -> dict[date, Decimal]:
        """What the service sums from its transactions table when it numbers a budget change
        (`recurring`: only what recurring series wrote)."""
        return spent_per_period(
            period,
            (
                (entry.day, entry.amount)
                for entry in self.entries.values()
                if entry.type is EntryType.EXPENSE
                and entry.category == category
                and (entry.recurring or not recurring)
            ),
        )

    def delete_budget(self, budget_id: UUID, today: date = TODAY) -> LedgerEvent:
        return self._next(
            Topic.BUDGET_CHANGED,
            {"budget_id": str(budget_id), "local_date": today.isoformat(), "budget": None},
        )

    def goal(
        self, goal_id: UUID, target: str, name: str = "Bike", deadline: date | None = None
    ) -> LedgerEvent:
        definition = {
            "name": name,
            "target_amount": target,
            "deadline": deadline.isoformat() if deadline else None,
        }
        return self._next(Topic.GOAL_CHANGED, {"goal_id": str(goal_id), "goal": definition})

    def delete_goal(self, goal_id: UUID) -> LedgerEvent:
        return self._next(Topic.GOAL_CHANGED, {"goal_id": str(goal_id), "goal": None})


SERIES = UUID("5e71e500-0000-4000-8000-000000000001")


def entry_payload(entry: Entry) -> dict[str, Any]:
    """An entry as the service writes it: with its series' id when a series wrote it."""
    written = {
        "amount": str(entry.amount),
        "type": entry.type.value,
        "category": entry.category,
        "local_date": entry.day.isoformat(),
        "goal_id": str(entry.goal_id) if entry.goal_id else None,
    }
    return written | ({"recurring_id": str(SERIES)} if entry.recurring else {})


def _transaction_id(created: LedgerEvent) -> str:
    assert isinstance(created.payload, TransactionCreated)
    return str(created.payload.transaction_id)


def spent_per_scope(ledger: Ledger) -> dict[tuple[str, Period, date], Decimal]:
    """What the ledger's budgets hold spent, per category, period kind and period start."""
    return {
        (b.category, b.period, start): from_cents(total)
        for b in ledger.budgets.values()
        for start, total in b.spent.items()
    }


def told(alert: Event) -> dict[str, Any]:
    """The alert's payload as it goes onto Kafka: the JSON object a consumer reads."""
    payload: dict[str, Any] = json.loads(alert.to_json())["payload"]
    return payload


def feed(ledger: Ledger, *events: LedgerEvent) -> list[Event]:
    """Accept events one by one; all the alerts raised, each checked to read back off its
    topic as itself (its schema holds what the ledger raises)."""
    raised: list[Event] = []
    for event in events:
        raised += ledger.accept(event)
    for alert in raised:
        assert payloads.read_notice(alert.type.value, alert.to_json()) == alert
    return raised


def alerts(raised: list[Event]) -> list[tuple[str, int, str]]:
    """What a user is told: (kind, threshold, period start), sorted."""
    return sorted(
        (a.type.value, told(a)["threshold"], told(a)["period_start"])
        for a in raised
        if a.type in (Topic.BUDGET_WARNING, Topic.BUDGET_EXCEEDED)
    )


def achieved(raised: list[Event]) -> list[str]:
    return [told(a)["goal_id"] for a in raised if a.type is Topic.GOAL_ACHIEVED]
