"""A ledger to compact JSON and back, as stored with the shard's offsets."""

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from actors.domain import payloads
from actors.domain.events import Event, MalformedEvent, Topic
from actors.domain.ledger import Budget, Goal, Ledger, shared_thresholds
from actors.domain.periods import Period
from actors.domain.rollover import Rollover


def dump(ledger: Ledger) -> bytes:
    body: dict[str, Any] = {
        "s": ledger.sequence,
        "b": [
            [
                str(b.id),
                b.category,
                b.period.value,
                str(b.limit),
                list(b.thresholds),
                {d.isoformat(): str(a) for d, a in b.spent.items()},
                {d.isoformat(): list(t) for d, t in b.fired.items()},
                b.rollover.value,
                b.starts_on.isoformat() if b.starts_on else None,
                sorted(d.isoformat() for d in b.foreseen),
                {d.isoformat(): str(a) for d, a in b.recurring.items()},
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
    if ledger.skipped:
        body["k"] = sorted(ledger.skipped)
    return json.dumps(body, separators=(",", ":")).encode()


def load(user_id: UUID, raw: bytes) -> Ledger:
    body = json.loads(raw)
    # Snapshots written before the number was called the sequence keep it under "v".
    ledger = Ledger(user_id=user_id, sequence=body["s"] if "s" in body else body["v"])
    for budget_id, category, period, limit, thresholds, spent, fired, *rest in body["b"]:
        # Snapshots written before rollover and forecasts end after `fired`.
        rollover, starts_on, foreseen, recurring = rest or (Rollover.NONE.value, None, [], {})
        budget = Budget(
            UUID(budget_id),
            sys.intern(category),
            Period(period),
            Decimal(limit),
            shared_thresholds(thresholds),
            {date.fromisoformat(d): Decimal(a) for d, a in spent.items()},
            {date.fromisoformat(d): tuple(t) for d, t in fired.items()},
            recurring={date.fromisoformat(d): Decimal(a) for d, a in recurring.items()},
            rollover=Rollover(rollover),
            starts_on=date.fromisoformat(starts_on) if starts_on else None,
            foreseen=tuple(date.fromisoformat(d) for d in foreseen),
        )
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
    ledger.skipped = set(body.get("k", []))
    for raw_event in body.get("p", []):
        _hold(ledger, raw_event.encode())
    return ledger


class _Kind(msgspec.Struct):
    type: Topic


_KIND = msgspec.json.Decoder(_Kind)


def _hold(ledger: Ledger, raw: bytes) -> None:
    """Hold the event again; one that no longer reads (held before it failed to apply, which
    is a bug) is stepped over, as it would have been."""
    try:
        event = payloads.read(_KIND.decode(raw).type.value, raw)
    except (MalformedEvent, msgspec.MsgspecError):
        number = Event.from_json(raw).payload.get("sequence")
        if type(number) is int:
            ledger.skipped.add(number)
        return
    ledger.pending[event.payload.sequence] = event
