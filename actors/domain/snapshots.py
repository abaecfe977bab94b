"""A ledger to compact MessagePack and back, as stored with the shard's offsets; snapshots
stored as JSON before it still load."""

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import msgspec

from actors.domain import payloads
from actors.domain.events import Event, MalformedEvent, Topic
from actors.domain.ledger import Budget, Goal, Ledger, shared_thresholds
from actors.domain.periods import Period
from actors.domain.rollover import Rollover


class _Budget(msgspec.Struct, array_like=True):
    id: UUID
    category: str
    period: Period
    limit: Decimal
    thresholds: tuple[int, ...]
    spent: dict[date, Decimal]
    fired: dict[date, tuple[int, ...]]
    rollover: Rollover
    starts_on: date | None
    foreseen: tuple[date, ...]
    recurring: dict[date, Decimal]


class _Goal(msgspec.Struct, array_like=True):
    id: UUID
    name: str
    target: Decimal
    deadline: date | None
    saved: Decimal
    achieved_at: str | None  # as written, its offset kept


class _Snapshot(msgspec.Struct, array_like=True):
    sequence: int
    budgets: list[_Budget]
    goals: list[_Goal]
    pending: list[bytes] = []  # the held events, as they were written
    skipped: list[int] = []


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(_Snapshot)


def dump(ledger: Ledger) -> bytes:
    return _ENCODER.encode(
        _Snapshot(
            ledger.sequence,
            [
                _Budget(
                    b.id,
                    b.category,
                    b.period,
                    b.limit,
                    b.thresholds,
                    b.spent,
                    b.fired,
                    b.rollover,
                    b.starts_on,
                    tuple(sorted(b.foreseen)),
                    b.recurring,
                )
                for b in ledger.budgets.values()
            ],
            [
                _Goal(g.id, g.name, g.target, g.deadline, g.saved, _moment(g.achieved_at))
                for g in ledger.goals.values()
            ],
            [event.to_json() for event in ledger.pending.values()],
            sorted(ledger.skipped),
        )
    )


def load(user_id: UUID, raw: bytes) -> Ledger:
    if raw[:1] == b"{":  # stored as JSON, before MessagePack
        return _load_json(user_id, raw)
    body = _DECODER.decode(raw)
    ledger = Ledger(user_id=user_id, sequence=body.sequence, skipped=set(body.skipped))
    for b in body.budgets:
        ledger.budgets[b.id] = Budget(
            b.id,
            sys.intern(b.category),
            b.period,
            b.limit,
            shared_thresholds(b.thresholds),
            b.spent,
            b.fired,
            b.recurring,
            b.rollover,
            b.starts_on,
            b.foreseen,
        )
    for g in body.goals:
        achieved = datetime.fromisoformat(g.achieved_at) if g.achieved_at else None
        ledger.goals[g.id] = Goal(g.id, g.name, g.target, g.deadline, g.saved, achieved)
    for raw_event in body.pending:
        _hold(ledger, raw_event)
    return ledger


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _load_json(user_id: UUID, raw: bytes) -> Ledger:
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
