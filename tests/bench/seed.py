"""Synthetic users of one ledger shard, and their ledger events in the services' exact format."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from actors.domain import payloads, snapshots
from actors.domain.events import Event, Topic
from actors.domain.ledger import Entry, EntryType, Ledger
from actors.ownership import Ownership
from tests.unit.ledger_events import entry_payload

#: Three budgets per user, far above what the benchmark spends: no alert changes the cost.
BUDGETS = (("food", "monthly"), ("transport", "weekly"), ("fun", "yearly"))
LIMIT = Decimal("100000.00")
GOAL_TARGET = Decimal("1000000.00")
AMOUNTS = [Decimal(cents) / 100 for cents in range(100, 5000, 37)]
INCOME_SHARE = 0.1  # of transactions: income toward the user's goal, the rest expenses


@dataclass
class Population:
    """Users whose partition belongs to one shard, with each user's next ledger sequence."""

    ownership: Ownership
    shard: int
    users: list[UUID] = field(default_factory=list)
    sequence: dict[UUID, int] = field(default_factory=dict)  # the last one used
    goal: dict[UUID, UUID] = field(default_factory=dict)

    def owns(self, user: UUID) -> bool:
        return self.ownership.shard_of(user) == self.shard

    def new_users(self, count: int) -> list[UUID]:
        """`count` fresh user ids that the shard owns."""
        fresh: list[UUID] = []
        while len(fresh) < count:
            if self.owns(user := uuid4()):
                fresh.append(user)
        self.users += fresh
        return fresh

    def partition(self, user: UUID) -> int:
        return self.ownership.partition_of(user)

    def _next(self, user: UUID) -> int:
        self.sequence[user] = self.sequence.get(user, 0) + 1
        return self.sequence[user]

    def setup_events(self, user: UUID, day: date) -> list[Event]:
        """Three budgets, one goal and one expense in each budget's category, as the budget,
        goal and transaction services write them."""
        now = datetime.now(UTC)
        events = [
            self._event(
                Topic.BUDGET_CHANGED,
                user,
                now,
                {
                    "budget_id": str(uuid4()),
                    "local_date": day.isoformat(),
                    "budget": {
                        "category": category,
                        "period": period,
                        "limit": str(LIMIT),
                        "alert_thresholds": [80, 100],
                    },
                },
            )
            for category, period in BUDGETS
        ]
        goal = self.goal[user] = uuid4()
        goal_definition = {"name": "holiday", "target_amount": str(GOAL_TARGET), "deadline": None}
        events.append(
            self._event(
                Topic.GOAL_CHANGED, user, now, {"goal_id": str(goal), "goal": goal_definition}
            )
        )
        for category, _period in BUDGETS:
            events.append(self.transaction(user, day, category=category))
        return events

    def transaction(
        self,
        user: UUID,
        day: date,
        *,
        category: str | None = None,
        rng: random.Random | None = None,
    ) -> Event:
        """A `transaction_created` event: an expense in one of the budgets, or now and then an
        income toward the user's goal."""
        rng = rng or random.Random()
        now = datetime.now(UTC)
        if category is None and rng.random() < INCOME_SHARE:
            entry = Entry(rng.choice(AMOUNTS), EntryType.INCOME, "savings", day, self.goal[user])
        else:
            entry = Entry(
                rng.choice(AMOUNTS),
                EntryType.EXPENSE,
                category or rng.choice(BUDGETS)[0],
                day,
            )
        payload = entry_payload(entry) | {
            "transaction_id": str(uuid4()),
            "description": None,
            "occurred_at": now.isoformat(),
        }
        return self._event(Topic.TRANSACTION_CREATED, user, now, payload)

    def _event(self, topic: Topic, user: UUID, now: datetime, payload: dict[str, Any]) -> Event:
        return Event(topic, user, now, payload | {"sequence": self._next(user)})


@dataclass(frozen=True)
class SnapshotTemplate:
    """The stored state of a ledger after `setup_events`, with placeholders for its ids: users
    for the 100,000-user figures are written as snapshots rather than replayed one by one."""

    state: bytes
    ids: tuple[bytes, ...]
    goal_id: bytes
    sequence: int

    @classmethod
    def build(cls, day: date) -> SnapshotTemplate:
        population = Population(Ownership(partitions=1, shards=1), shard=0)
        user = uuid4()
        ledger = Ledger(user)
        for event in population.setup_events(user, day):
            ledger.accept(payloads.read(event.type.value, event.to_json()))  # as a shard reads it
        ids = tuple(budget.bytes for budget in ledger.budgets)  # snapshots hold UUIDs as bytes
        goal = population.goal[user].bytes
        return cls(snapshots.dump(ledger), (*ids, goal), goal, ledger.sequence)

    def for_user(self) -> tuple[bytes, UUID]:
        """The state with fresh budget and goal ids; and the goal id."""
        state = self.state
        goal = uuid4()
        for old in self.ids:
            new = goal if old == self.goal_id else uuid4()
            state = state.replace(old, new.bytes)
        return state, goal
