"""Snapshots: a ledger stored with the shard's offsets comes back exactly as it was."""

import json
import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest

from actors.domain import snapshots
from actors.domain.events import Event, Topic
from actors.domain.ledger import Ledger
from actors.domain.periods import Period
from tests.unit.ledger_events import TODAY, Stream, alerts, feed
from tests.unit.test_ledger import _random_history

MAY_DAY = date(2024, 5, 20)


def restored(ledger: Ledger) -> Ledger:
    raw = snapshots.dump(ledger)
    assert isinstance(raw, bytes)
    return snapshots.load(ledger.user_id, raw)


def _no_floats(text: str) -> Decimal:
    raise AssertionError(f"a float in a snapshot: {text}")


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
    assert copy.version == ledger.version == 12
    assert copy.spent == ledger.spent
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


def test_money_stays_exact_decimal_text() -> None:
    _, ledger, _ = _busy_ledger()
    raw = snapshots.dump(ledger)
    json.loads(raw, parse_float=_no_floats)
    copy = snapshots.load(ledger.user_id, raw)
    travel = copy.spent[("travel", Period.YEARLY, date(2024, 1, 1))]
    assert isinstance(travel, Decimal) and str(travel) == "0.10"
    for amount in [*copy.spent.values(), *(g.saved for g in copy.goals.values())]:
        assert isinstance(amount, Decimal)
    assert all(isinstance(b.limit, Decimal) for b in copy.budgets.values())


def test_a_restored_ledger_fills_the_gap_exactly_as_the_original_would() -> None:
    _, original, still_to_come = _busy_ledger()
    copy = restored(original)
    from_original = feed(original, *still_to_come)
    from_copy = feed(copy, *still_to_come)
    assert copy.pending == {} and copy.version == 16
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
