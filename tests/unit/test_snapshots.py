"""Snapshots: a ledger stored with the shard's offsets comes back exactly as it was."""

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID, uuid4

import msgspec
import pytest

from actors.domain import snapshots
from actors.domain.events import Event, Topic
from actors.domain.ledger import Ledger
from actors.domain.periods import Period
from tests.unit.ledger_events import NOW, TODAY, Stream, achieved, alerts, feed, spent_per_scope
from tests.unit.test_ledger import _random_history

MAY_DAY = date(2024, 5, 20)


def restored(ledger: Ledger) -> Ledger:
    raw = snapshots.dump(ledger)
    assert isinstance(raw, bytes)
    return snapshots.load(ledger.user_id, raw)


def _no_floats(value: object) -> None:
    assert not isinstance(value, float), f"a float in a snapshot: {value}"
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, dict | list):
            _no_floats(item)
        else:
            assert not isinstance(item, float), f"a float in a snapshot: {item}"


def test_an_empty_ledger_round_trips() -> None:
    ledger = Ledger(uuid4())
    assert restored(ledger) == ledger


def _busy_ledger() -> tuple[Stream, Ledger, list[Event]]:
    """Budgets fired in several periods, goals achieved and not, and events held behind a gap.
    Returns the events still to come, the first of which fills the gap."""
    stream = Stream()
    ledger = stream.ledger()
    food, weekly, travel = uuid4(), uuid4(), uuid4()
    bike, trip = uuid4(), uuid4()
    auckland = timezone(timedelta(hours=13))
    early = [
        stream.budget(food, "500.00"),
        stream.budget(weekly, "100.00", period="weekly", thresholds=[50, 90, 100, 120]),
        stream.budget(travel, "1200", "travel", "yearly"),
        stream.goal(bike, "250.00", name="Bike"),
        stream.goal(trip, "3000.00", name="Trip", deadline=date(2025, 3, 31)),
        stream.expense("450.00", day=MAY_DAY),  # May warned
        stream.expense("520.00", day=date(2024, 4, 2)),  # April exceeded
        stream.expense("95.00"),  # this week warned at 90
    ]
    lunch = stream.expense("12.30", day=date(2024, 6, 10))
    trip_ticket = stream.expense("0.10", category="travel", goal_id=trip)
    deposit = stream.income("250.00", goal_id=bike, at=datetime(2024, 6, 1, 8, tzinfo=auckland))
    raised = feed(
        ledger, *early, lunch, trip_ticket, deposit, stream.income("500.00", goal_id=trip)
    )
    assert {a.type for a in raised} == {
        Topic.BUDGET_WARNING,
        Topic.BUDGET_EXCEEDED,
        Topic.GOAL_ACHIEVED,
    }
    gap = stream.expense("300.00")
    held = [
        stream.update(lunch, amount="42.00", category="travel"),
        stream.expense("5.00", day=MAY_DAY),
        stream.delete(deposit),
    ]
    assert feed(ledger, *reversed(held)) == []
    assert len(ledger.pending) == 3
    return stream, ledger, [gap, *held]


def test_every_field_round_trips() -> None:
    _, ledger, _ = _busy_ledger()
    copy = restored(ledger)
    assert copy == ledger
    assert copy.user_id == ledger.user_id
    assert copy.sequence == ledger.sequence == 12
    assert spent_per_scope(copy) == spent_per_scope(ledger)
    for budget_id, budget in ledger.budgets.items():
        again = copy.budgets[budget_id]
        assert (again.category, again.period, again.limit) == (
            budget.category,
            budget.period,
            budget.limit,
        )
        assert again.thresholds == budget.thresholds and isinstance(again.thresholds, tuple)
        assert again.fired == budget.fired and len(again.fired) == len(budget.fired)
    assert any(len(b.fired) >= 2 for b in copy.budgets.values())
    for goal_id, goal in ledger.goals.items():
        again = copy.goals[goal_id]
        assert (again.name, again.target, again.deadline, again.saved, again.achieved_at) == (
            goal.name,
            goal.target,
            goal.deadline,
            goal.saved,
            goal.achieved_at,
        )
    assert [g.achieved_at is None for g in copy.goals.values()] == [False, True]


def test_numbers_to_step_over_round_trip() -> None:
    _, ledger, _ = _busy_ledger()
    ledger.skip(20)
    assert restored(ledger).skipped == (20,) and restored(ledger) == ledger


def test_held_events_round_trip_whole() -> None:
    _, ledger, _ = _busy_ledger()
    copy = restored(ledger)
    assert sorted(copy.pending) == sorted(ledger.pending) == [14, 15, 16]
    for sequence, event in ledger.pending.items():
        again = copy.pending[sequence]
        assert (again.id, again.type, again.user_id, again.version) == (
            event.id,
            event.type,
            event.user_id,
            event.version,
        )
        assert again.occurred_at == event.occurred_at
        assert again.payload == event.payload


def test_money_is_stored_as_exact_integer_cents() -> None:
    _, ledger, _ = _busy_ledger()
    raw = snapshots.dump(ledger)
    _no_floats(msgspec.msgpack.decode(raw))
    copy = snapshots.load(ledger.user_id, raw)
    travel = spent_per_scope(copy)[("travel", Period.YEARLY, date(2024, 1, 1))]
    assert isinstance(travel, Decimal) and str(travel) == "0.10"
    for budget in copy.budgets.values():
        assert all(type(cents) is int for cents in [budget.limit, *budget.spent.values()])
    assert all(type(goal.saved) is int for goal in copy.goals.values())


def test_a_restored_ledger_fills_the_gap_exactly_as_the_original_would() -> None:
    _, original, still_to_come = _busy_ledger()
    copy = restored(original)
    from_original = feed(original, *still_to_come)
    from_copy = feed(copy, *still_to_come)
    assert copy.pending == {} and copy.sequence == 16
    assert alerts(from_copy) == alerts(from_original)
    assert sorted(str(a.payload) for a in from_copy) == sorted(
        str(a.payload) for a in from_original
    )
    assert all(a.user_id == original.user_id for a in from_copy)
    assert copy == original


def test_a_restored_ledger_does_not_repeat_what_it_already_said() -> None:
    stream = Stream()
    ledger = stream.ledger()
    budget, goal = uuid4(), uuid4()
    said = [stream.budget(budget, "100.00"), stream.goal(goal, "50.00")]
    said += [stream.expense("85.00"), stream.income("60.00", goal_id=goal)]
    assert len(feed(ledger, *said)) == 2
    copy = restored(ledger)
    assert feed(copy, *said) == []  # replays after a restart
    assert feed(copy, stream.expense("5.00"), stream.income("1.00", goal_id=goal)) == []
    assert alerts(feed(copy, stream.expense("10.00"))) == [("budget_exceeded", 100, "2024-06-01")]
    position = copy.budget_position(copy.budgets[budget], TODAY)
    assert position.spent == Decimal("100.00")


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_a_restart_anywhere_changes_nothing(seed: int) -> None:
    """Stop after any prefix of a shuffled arrival order, restore, go on: same alerts, same
    final ledger as a shard that never stopped."""
    rng = random.Random(seed)
    stream = Stream()
    events = _random_history(rng, stream)
    arrivals = events + rng.sample(events, len(events) // 4)
    rng.shuffle(arrivals)

    steady = stream.ledger()
    told_steady = feed(steady, *arrivals)

    cut = rng.randrange(1, len(arrivals))
    first = stream.ledger()
    told = feed(first, *arrivals[:cut])
    second = restored(first)
    assert second == first
    told += feed(second, *arrivals[cut - rng.randrange(cut) :])  # with some replays
    assert second == steady
    assert sorted(str(a.payload) for a in told) == sorted(str(a.payload) for a in told_steady)


# Stored before the number was named the sequence (under "v"): a budget warned at 80 in June,
# a goal, and a deposit to it held behind the missing sequence number 4.
STORED_WITH_V = (
    b'{"v":3,"b":[["00000000-0000-4000-8000-0000000000b1","food","monthly","100.00",[80,100],'
    b'{"2024-06-01":"85.00"},{"2024-06-01":[80]}]],"g":[["00000000-0000-4000-8000-0000000000a1",'
    b'"Bike","50.00",null,"0.00",null]],"p":["{\\"id\\":\\"f5076f0d-dccf-4b25-bf78-54f668b44d7f\\",'
    b'\\"type\\":\\"transaction_created\\",\\"version\\":1,\\"user_id\\":'
    b'\\"00000000-0000-4000-8000-000000000001\\",\\"occurred_at\\":\\"2024-06-12T09:30:00+00:00\\",'
    b'\\"payload\\":{\\"sequence\\":5,\\"amount\\":\\"60.00\\",\\"type\\":\\"income\\",'
    b'\\"category\\":\\"savings\\",\\"local_date\\":\\"2024-06-12\\",\\"goal_id\\":'
    b'\\"00000000-0000-4000-8000-0000000000a1\\",\\"transaction_id\\":'
    b'\\"9b97b3c2-7ba6-4465-96e8-9f82b949cc3c\\",\\"description\\":\\"income in savings\\",'
    b'\\"occurred_at\\":\\"2024-06-12T09:30:00+00:00\\"}}"]}'
)


def test_a_snapshot_stored_before_the_sequence_was_named_loads_and_carries_on() -> None:
    user = UUID("00000000-0000-4000-8000-000000000001")
    ledger = snapshots.load(user, STORED_WITH_V)
    assert ledger.sequence == 3 and sorted(ledger.pending) == [5]
    [budget] = ledger.budgets.values()
    assert (budget.category, budget.limit, budget.thresholds) == ("food", 100_00, (80, 100))
    assert budget.spent == {date(2024, 6, 1): 85_00}
    assert budget.fired == {date(2024, 6, 1): (80,)}
    stream = Stream(user)
    stream.sequence = 3
    raised = feed(ledger, stream.expense("20.00"))  # number 4 fills the gap; 5 follows
    assert alerts(raised) == [("budget_exceeded", 100, "2024-06-01")]
    assert achieved(raised) == ["00000000-0000-4000-8000-0000000000a1"]
    assert ledger.sequence == 5 and ledger.pending == {}
    _reads_back_rewritten(user, ledger, STORED_WITH_V)


def _reads_back_rewritten(user: UUID, ledger: Ledger, stored: bytes) -> None:
    """Written back, a ledger loaded from an older form takes the current one, shorter, and
    reads back the same."""
    rewritten = snapshots.dump(ledger)
    assert len(rewritten) < len(stored)
    assert snapshots.load(user, rewritten) == ledger


# Stored as JSON, before snapshots were MessagePack: a budget with rollover, a goal reached,
# and a number to step over.
STORED_AS_JSON = (
    b'{"s":4,"b":[["00000000-0000-4000-8000-0000000000b2","food","monthly","100.00",[80,100],'
    b'{"2024-06-01":"85.00"},{},"surplus","2024-05-01",[],{}]],"g":[["00000000-0000-4000-8000-'
    b'0000000000a2","Bike","50.00",null,"60.00","2024-06-12T09:30:00+00:00"]],"k":[9]}'
)


def test_a_snapshot_stored_as_json_loads_and_is_rewritten_compact() -> None:
    user = UUID("00000000-0000-4000-8000-000000000002")
    ledger = snapshots.load(user, STORED_AS_JSON)
    [budget] = ledger.budgets.values()
    assert (budget.rollover, budget.starts_on, budget.spent) == (
        "surplus",
        date(2024, 5, 1),
        {date(2024, 6, 1): 85_00},
    )
    [goal] = ledger.goals.values()
    assert goal.saved == 60_00 and goal.achieved_at == NOW
    assert ledger.sequence == 4 and ledger.skipped == (9,)
    _reads_back_rewritten(user, ledger, STORED_AS_JSON)


# Stored as MessagePack with Decimal amounts, before cents: a budget with rollover, warned at
# 80 in June and foreseen, with recurring spending in May; a goal reached; a number to step over.
STORED_WITH_DECIMALS = (
    b"\x95\x07\x91\x9b\xd9$00000000-0000-4000-8000-0000000000b3\xa4food\xa7monthly\xa6100.00"
    b"\x92Pd\x82\xaa2024-06-01\xa585.10\xaa2024-05-01\xa520.00\x81\xaa2024-06-01\x91P\xa7surplus"
    b"\xaa2024-05-01\x91\xaa2024-06-01\x81\xaa2024-05-01\xa520.00\x91\x96\xd9$00000000-0000-4000-"
    b"8000-0000000000a3\xa4Bike\xa550.00\xc0\xa560.00\xb92024-06-12T09:30:00+00:00\x90\x91\t"
)


def test_a_snapshot_stored_with_decimal_amounts_loads_in_cents_and_is_rewritten() -> None:
    user = UUID("00000000-0000-4000-8000-000000000003")
    ledger = snapshots.load(user, STORED_WITH_DECIMALS)
    [budget] = ledger.budgets.values()
    assert (budget.limit, budget.spent, budget.recurring) == (
        100_00,
        {date(2024, 6, 1): 85_10, date(2024, 5, 1): 20_00},
        {date(2024, 5, 1): 20_00},
    )
    assert (budget.fired, budget.foreseen) == ({date(2024, 6, 1): (80,)}, (date(2024, 6, 1),))
    assert (budget.rollover, budget.starts_on) == ("surplus", date(2024, 5, 1))
    [goal] = ledger.goals.values()
    assert (goal.target, goal.saved, goal.achieved_at) == (50_00, 60_00, NOW)
    assert (ledger.sequence, ledger.skipped) == (7, (9,))
    # May left 80 unspent, carried into June.
    position = ledger.budget_position(budget, date(2024, 6, 12))
    assert (position.available, position.spent) == (Decimal("180.00"), Decimal("85.10"))
    _reads_back_rewritten(user, ledger, STORED_WITH_DECIMALS)
