"""A ledger to compact JSON and back, as stored with the shard's offsets."""

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from actors.domain.events import Event
from actors.domain.ledger import Budget, Goal, Ledger
from actors.domain.periods import Period


def dump(ledger: Ledger) -> bytes:
    body: dict[str, Any] = {
        "v": ledger.version,
        "s": [[c, p.value, d.isoformat(), str(a)] for (c, p, d), a in ledger.spent.items()],
        "b": [
            [
                str(b.id),
                b.category,
                b.period.value,
                str(b.limit),
                list(b.thresholds),
                {d.isoformat(): list(t) for d, t in b.fired.items()},
            ]
            for b in ledger.budgets.values()
        ],
        "g": [
            [
                str(g.id),
                g.name,
                str(g.target),
                g.deadline.isoformat() if g.deadline else None,
                str(g.saved),
                g.achieved_at.isoformat() if g.achieved_at else None,
            ]
            for g in ledger.goals.values()
        ],
    }
    if ledger.pending:
        body["p"] = [event.to_json().decode() for event in ledger.pending.values()]
    return json.dumps(body, separators=(",", ":")).encode()


def load(user_id: UUID, raw: bytes) -> Ledger:
    body = json.loads(raw)
    ledger = Ledger(user_id=user_id, version=body["v"])
    for category, period, day, amount in body["s"]:
        ledger.spent[(category, Period(period), date.fromisoformat(day))] = Decimal(amount)
    for budget_id, category, period, limit, thresholds, fired in body["b"]:
        budget = Budget(
            UUID(budget_id), category, Period(period), Decimal(limit), tuple(thresholds)
        )
        budget.fired = {date.fromisoformat(d): tuple(t) for d, t in fired.items()}
        ledger.budgets[budget.id] = budget
    for goal_id, name, target, deadline, saved, achieved_at in body["g"]:
        ledger.goals[UUID(goal_id)] = Goal(
            UUID(goal_id),
            name,
            Decimal(target),
            date.fromisoformat(deadline) if deadline else None,
            Decimal(saved),
            datetime.fromisoformat(achieved_at) if achieved_at else None,
        )
    for raw_event in body.get("p", []):
        event = Event.from_json(raw_event.encode())
        ledger.pending[int(event.payload["sequence"])] = event
    return ledger
