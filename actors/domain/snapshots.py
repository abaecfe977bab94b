"""A ledger to compact MessagePack and back, as stored with the shard's offsets: its budgets
and goals encoded as the ledger keeps them, in integer cents. Snapshots stored before, as
MessagePack with Decimal amounts or as JSON, still load."""

import sys
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from uuid import UUID

import msgspec

from actors.domain import payloads
from actors.domain.events import Event, MalformedEvent, Topic
from actors.domain.ledger import Budget, Goal, Ledger, shared_thresholds
from actors.domain.money import to_cents
from actors.domain.periods import Period
from actors.domain.rollover import Rollover


class _Snapshot(msgspec.Struct, array_like=True, tag="cents"):
    """A ledger as it is stored: its budgets and goals as the ledger keeps them, in cents."""

    sequence: int
    budgets: list[Budget]
    goals: list[Goal]
    pending: list[bytes] = []  # the held events, as they were written
    skipped: list[int] = []


class _DecimalBudget(msgspec.Struct, array_like=True):
    """A budget as snapshots stored it before cents (and the same for goals and ledgers)."""

    id: UUID
    category: str
    period: Period
    limit: Decimal
    thresholds: tuple[int, ...]
    spent: dict[date, Decimal]
    fired: dict[date, tuple[int, ...]]
    # Snapshots written before rollover and forecasts end here.
    rollover: Rollover = Rollover.NONE
    starts_on: date | None = None
    foreseen: tuple[date, ...] = ()
    recurring: dict[date, Decimal] = {}


class _DecimalGoal(msgspec.Struct, array_like=True):
    id: UUID
    name: str
    target: Decimal
    deadline: date | None
    saved: Decimal
    achieved_at: str | None  # as written, its offset kept


class _DecimalSnapshot(msgspec.Struct, array_like=True):
    sequence: int
    budgets: list[_DecimalBudget]
    goals: list[_DecimalGoal]
    pending: list[bytes] = []
    skipped: list[int] = []


class _JsonSnapshot(msgspec.Struct):
    """A ledger as snapshots stored it in JSON, before MessagePack: the same budgets and goals
    as `_DecimalSnapshot`, under short names."""

    b: list[_DecimalBudget]
    g: list[_DecimalGoal]
    s: int | None = None
    v: int | None = None  # the sequence, in snapshots written before it was called that
    k: list[int] = []
    p: list[str] = []

    def as_decimal(self) -> _DecimalSnapshot:
        sequence = self.s if self.s is not None else self.v
        if sequence is None:
            raise ValueError("a snapshot without its sequence")
        return _DecimalSnapshot(sequence, self.b, self.g, [e.encode() for e in self.p], self.k)


# UUIDs as 16 bytes rather than 36 characters; a snapshot in cents starts with its tag.
_ENCODER = msgspec.msgpack.Encoder(uuid_format="bytes")
_DECODER = msgspec.msgpack.Decoder(_Snapshot)
_TAG = msgspec.msgpack.encode("cents")
_DECIMAL_DECODER = msgspec.msgpack.Decoder(_DecimalSnapshot)
_JSON_DECODER = msgspec.json.Decoder(_JsonSnapshot)


def dump(ledger: Ledger) -> bytes:
    return _ENCODER.encode(
        _Snapshot(
            ledger.sequence,
            list(ledger.budgets.values()),
            list(ledger.goals.values()),
            [event.to_json() for event in ledger.pending.values()] if ledger.pending else [],
            sorted(ledger.skipped) if ledger.skipped else [],
        )
    )


def load(user_id: UUID, raw: bytes) -> Ledger:
    if raw[:1] == b"{":  # stored as JSON, before MessagePack
        return _load_decimal(user_id, _JSON_DECODER.decode(raw).as_decimal())
    if raw[1 : 1 + len(_TAG)] != _TAG:  # after the array's one-byte header: before cents
        return _load_decimal(user_id, _DECIMAL_DECODER.decode(raw))
    body = _DECODER.decode(raw)
    for budget in body.budgets:
        # One string and one tuple shared by every budget with the same ones.
        budget.category = sys.intern(budget.category)
        budget.thresholds = shared_thresholds(budget.thresholds)
    ledger = Ledger(
        user_id=user_id,
        sequence=body.sequence,
        budgets={budget.id: budget for budget in body.budgets},
        goals={goal.id: goal for goal in body.goals},
        pending={},
        skipped=tuple(body.skipped),
    )
    for raw_event in body.pending:
        _hold(ledger, raw_event)
    return ledger


def _load_decimal(user_id: UUID, body: _DecimalSnapshot) -> Ledger:
    ledger = Ledger(user_id=user_id, sequence=body.sequence, skipped=tuple(body.skipped))
    for b in body.budgets:
        ledger.budgets[b.id] = Budget(
            b.id,
            sys.intern(b.category),
            b.period,
            to_cents(b.limit),
            shared_thresholds(b.thresholds),
            _in_cents(b.spent),
            b.fired,
            _in_cents(b.recurring),
            b.rollover,
            b.starts_on,
            b.foreseen,
        )
    for g in body.goals:
        ledger.goals[g.id] = Goal(
            g.id, g.name, to_cents(g.target), g.deadline, to_cents(g.saved), g.achieved_at
        )
    for raw_event in body.pending:
        _hold(ledger, raw_event)
    return ledger


def _in_cents(totals: Mapping[date, Decimal]) -> dict[date, int]:
    return {start: to_cents(total) for start, total in totals.items()}


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
            ledger.skipped = (*ledger.skipped, number)
        return
    ledger.pending[event.payload.sequence] = event
