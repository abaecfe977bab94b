"""One user's ledger: budgets per category and period, alerts once per budget, period and
threshold, goals, and events applied strictly in sequence order."""

import json
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from msgspec.structs import force_setattr

from actors.domain import payloads
from actors.domain.events import Event, MalformedEvent, Topic
from actors.domain.ledger import ApplyFailed, Entry, EntryType, Ledger
from actors.domain.money import from_cents
from actors.domain.payloads import TransactionCreated
from actors.domain.periods import FIRST_DAY, LAST_DAY, Period, period_end, period_start
from tests.unit.ledger_events import (
    NOW,
    TODAY,
    Stream,
    achieved,
    alerts,
    feed,
    spent_per_scope,
    told,
)

FOOD = uuid4()
JUNE = "2024-06-01"
MAY = "2024-05-01"
MAY_DAY = date(2024, 5, 20)


def food_budget(
    limit: str = "500.00", thresholds: tuple[int, ...] | list[int] = (80, 100)
) -> tuple[Stream, Ledger]:
    """A user with a monthly food budget, thresholds 80 and 100 unless told otherwise."""
    stream = Stream()
    ledger = stream.ledger()
    assert feed(ledger, stream.budget(FOOD, limit, thresholds=thresholds)) == []
    return stream, ledger


def spent(ledger: Ledger, day: date = TODAY, budget_id: UUID = FOOD) -> Decimal:
    return ledger.budget_position(ledger.budgets[budget_id], day).spent


# -- thresholds


def test_spending_below_every_threshold_raises_nothing() -> None:
    stream, ledger = food_budget()
    assert feed(ledger, stream.expense("120.00"), stream.expense("279.99")) == []
    assert spent(ledger) == Decimal("399.99")


def test_reaching_a_warning_threshold_raises_one_budget_warning() -> None:
    stream, ledger = food_budget()
    raised = feed(ledger, stream.expense("300.00"), stream.expense("100.00"))
    assert len(raised) == 1
    warning = raised[0]
    assert warning.type is Topic.BUDGET_WARNING
    assert warning.user_id == stream.user_id
    assert told(warning) == {
        "budget_id": str(FOOD),
        "category": "food",
        "period": "monthly",
        "period_start": "2024-06-01",
        "period_end": "2024-06-30",
        "limit": "500.00",
        "spent": "400.00",
        "percent": "80.00",
        "threshold": 80,
    }


def test_reaching_the_limit_exactly_raises_budget_exceeded_with_no_overage() -> None:
    stream, ledger = food_budget()
    feed(ledger, stream.expense("450.00"))
    raised = feed(ledger, stream.expense("50.00"))
    assert [a.type for a in raised] == [Topic.BUDGET_EXCEEDED]
    assert told(raised[0])["spent"] == "500.00"
    assert told(raised[0])["overage"] == "0.00"
    assert told(raised[0])["threshold"] == 100


def test_going_over_the_limit_reports_the_overage() -> None:
    stream, ledger = food_budget()
    feed(ledger, stream.expense("450.00"))
    (exceeded,) = feed(ledger, stream.expense("62.35"))
    assert exceeded.type is Topic.BUDGET_EXCEEDED
    assert told(exceeded)["limit"] == "500.00"
    assert told(exceeded)["spent"] == "512.35"
    assert told(exceeded)["overage"] == "12.35"
    assert told(exceeded)["percent"] == "102.47"
    assert exceeded.occurred_at == NOW


def test_each_threshold_fires_once_not_on_every_later_expense() -> None:
    stream, ledger = food_budget()
    raised = [
        feed(ledger, stream.expense(amount))
        for amount in ["100", "300", "10", "10", "79.99", "0.01", "1", "250"]
    ]
    told = [[a.type for a in r] for r in raised]
    assert told == [
        [],
        [Topic.BUDGET_WARNING],  # 400 of 500
        [],
        [],
        [],  # 499.99
        [Topic.BUDGET_EXCEEDED],  # 500.00
        [],
        [],
    ]
    assert spent(ledger) == Decimal("751.00")


def test_one_jump_over_several_thresholds_raises_only_the_most_severe() -> None:
    stream, ledger = food_budget()
    raised = feed(ledger, stream.expense("100.00"), stream.expense("500.00"))
    assert alerts(raised) == [("budget_exceeded", 100, JUNE)]


def test_a_jump_over_custom_warnings_raises_the_highest_warning() -> None:
    stream, ledger = food_budget("1000.00", thresholds=[75, 50, 90, 100])
    assert alerts(feed(ledger, stream.expense("400.00"))) == []
    assert alerts(feed(ledger, stream.expense("380.00"))) == [("budget_warning", 75, JUNE)]
    assert alerts(feed(ledger, stream.expense("100.00"))) == []  # 88 percent
    assert alerts(feed(ledger, stream.expense("20.00"))) == [("budget_warning", 90, JUNE)]
    assert alerts(feed(ledger, stream.expense("100.00"))) == [("budget_exceeded", 100, JUNE)]


def test_a_threshold_above_one_hundred_is_an_exceeded_alert_too() -> None:
    stream, ledger = food_budget("100.00", thresholds=[100, 150])
    assert alerts(feed(ledger, stream.expense("120.00"))) == [("budget_exceeded", 100, JUNE)]
    (later,) = feed(ledger, stream.expense("30.00"))
    assert later.type is Topic.BUDGET_EXCEEDED
    assert told(later)["threshold"] == 150
    assert told(later)["overage"] == "50.00"


def test_income_and_other_categories_do_not_count_toward_a_budget() -> None:
    stream, ledger = food_budget()
    raised = feed(
        ledger,
        stream.income("900.00", category="food"),
        stream.expense("900.00", category="travel"),
    )
    assert raised == []
    assert spent(ledger) == Decimal("0.00")


def test_budgets_on_the_same_category_with_different_periods_alert_separately() -> None:
    stream = Stream()
    ledger = stream.ledger()
    weekly, monthly, yearly = uuid4(), uuid4(), uuid4()
    feed(
        ledger,
        stream.budget(weekly, "100.00", period="weekly"),
        stream.budget(monthly, "300.00", period="monthly"),
        stream.budget(yearly, "3000.00", period="yearly"),
    )
    raised = feed(ledger, stream.expense("100.00"))
    assert [(a.type, told(a)["budget_id"]) for a in raised] == [
        (Topic.BUDGET_EXCEEDED, str(weekly))
    ]
    assert told(raised[0])["period_start"] == "2024-06-10"
    assert told(raised[0])["period_end"] == "2024-06-16"
    # Next week: the weekly budget starts over, the month reaches 80 percent.
    raised = feed(ledger, stream.expense("140.00", day=date(2024, 6, 17)))
    assert {told(a)["budget_id"]: a.type for a in raised} == {
        str(weekly): Topic.BUDGET_EXCEEDED,
        str(monthly): Topic.BUDGET_WARNING,
    }
    assert len(raised) == 2
    assert spent(ledger, budget_id=yearly) == Decimal("240.00")


def test_the_budget_position_reports_status_remaining_and_percent() -> None:
    stream, ledger = food_budget("200.00")
    budget = ledger.budgets[FOOD]
    position = ledger.budget_position(budget, TODAY)
    assert (position.status, position.spent, position.remaining) == ("ok", 0, 200)
    assert position.period_start == date(2024, 6, 1)
    assert position.period_end == date(2024, 6, 30)
    feed(ledger, stream.expense("170.50"))
    position = ledger.budget_position(budget, TODAY)
    assert (position.status, position.remaining, position.percent) == (
        "warning",
        Decimal("29.50"),
        Decimal("85.25"),
    )
    feed(ledger, stream.expense("40.00"))
    position = ledger.budget_position(budget, date(2024, 6, 30))
    assert (position.status, position.remaining) == ("exceeded", Decimal("-10.50"))
    assert ledger.budget_position(budget, date(2024, 7, 1)).status == "ok"


# -- re-arming by update and by delete


def test_an_update_that_brings_spending_under_the_warning_re_arms_it() -> None:
    stream, ledger = food_budget()
    big = stream.expense("420.00")
    assert alerts(feed(ledger, big)) == [("budget_warning", 80, JUNE)]
    assert feed(ledger, stream.update(big, amount="300.00")) == []
    assert spent(ledger) == Decimal("300.00")
    assert alerts(feed(ledger, stream.expense("100.00"))) == [("budget_warning", 80, JUNE)]


def test_an_update_under_the_limit_but_over_the_warning_re_arms_only_exceeded() -> None:
    stream, ledger = food_budget()
    big = stream.expense("550.00")
    assert alerts(feed(ledger, big)) == [("budget_exceeded", 100, JUNE)]
    assert feed(ledger, stream.update(big, amount="450.00")) == []
    assert feed(ledger, stream.expense("20.00")) == []  # 470: still warned, no repeat
    assert alerts(feed(ledger, stream.expense("30.00"))) == [("budget_exceeded", 100, JUNE)]


def test_an_update_that_raises_an_amount_over_a_threshold_alerts() -> None:
    stream, ledger = food_budget()
    small = stream.expense("100.00")
    feed(ledger, small)
    assert alerts(feed(ledger, stream.update(small, amount="450.00"))) == [
        ("budget_warning", 80, JUNE)
    ]
    assert feed(ledger, stream.update(small, amount="460.00")) == []
    assert alerts(feed(ledger, stream.update(small, amount="500.00"))) == [
        ("budget_exceeded", 100, JUNE)
    ]


def test_a_delete_that_brings_spending_under_re_arms_every_threshold_it_fell_below() -> None:
    stream, ledger = food_budget()
    first, second = stream.expense("300.00"), stream.expense("250.00")
    assert alerts(feed(ledger, first, second)) == [("budget_exceeded", 100, JUNE)]
    assert feed(ledger, stream.delete(second)) == []
    assert spent(ledger) == Decimal("300.00")
    assert ledger.budgets[FOOD].fired == {}
    raised = feed(ledger, stream.expense("100.00"), stream.expense("100.00"))
    assert alerts(raised) == [("budget_exceeded", 100, JUNE), ("budget_warning", 80, JUNE)]


def test_deleting_every_transaction_leaves_nothing_spent() -> None:
    stream, ledger = food_budget()
    created = [stream.expense(a) for a in ["10.10", "20.20", "30.30"]]
    feed(ledger, *created)
    feed(ledger, *[stream.delete(c) for c in created])
    assert spent(ledger) == Decimal("0.00")
    assert spent_per_scope(ledger) == {}


# -- backdating


def test_a_backdated_expense_counts_in_its_own_period() -> None:
    stream, ledger = food_budget()
    feed(ledger, stream.expense("100.00"))
    raised = feed(ledger, stream.expense("420.00", day=MAY_DAY))
    assert alerts(raised) == [("budget_warning", 80, MAY)]
    assert told(raised[0])["period_end"] == "2024-05-31"
    assert spent(ledger) == Decimal("100.00")
    assert spent(ledger, MAY_DAY) == Decimal("420.00")


def test_a_backdated_expense_in_a_period_already_warned_does_not_warn_again() -> None:
    stream, ledger = food_budget()
    assert alerts(feed(ledger, stream.expense("410.00", day=MAY_DAY))) == [
        ("budget_warning", 80, MAY)
    ]
    assert feed(ledger, stream.expense("10.00", day=date(2024, 5, 2))) == []
    assert alerts(feed(ledger, stream.expense("80.00", day=date(2024, 5, 31)))) == [
        ("budget_exceeded", 100, MAY)
    ]
    # June has its own thresholds, untouched by May's alerts.
    assert alerts(feed(ledger, stream.expense("400.00"))) == [("budget_warning", 80, JUNE)]


def test_a_backdated_expense_across_a_year_boundary_counts_in_that_weeks_budget() -> None:
    stream = Stream()
    ledger = stream.ledger()
    weekly = uuid4()
    feed(ledger, stream.budget(weekly, "100.00", period="weekly", today=date(2025, 1, 8)))
    feed(ledger, stream.expense("60.00", day=date(2024, 12, 30)))
    raised = feed(ledger, stream.expense("40.00", day=date(2025, 1, 5)))
    assert alerts(raised) == [("budget_exceeded", 100, "2024-12-30")]
    assert told(raised[0])["period_end"] == "2025-01-05"
    position = ledger.budget_position(ledger.budgets[weekly], date(2025, 1, 8))
    assert position.spent == Decimal("0.00")


# -- edits across periods and categories


def test_an_edit_that_moves_an_expense_to_another_month_moves_the_money() -> None:
    stream, ledger = food_budget()
    moved = stream.expense("450.00")
    assert alerts(feed(ledger, moved)) == [("budget_warning", 80, JUNE)]
    raised = feed(ledger, stream.update(moved, day=MAY_DAY))
    assert alerts(raised) == [("budget_warning", 80, MAY)]
    assert spent(ledger) == Decimal("0.00")
    assert spent(ledger, MAY_DAY) == Decimal("450.00")
    assert JUNE not in {d.isoformat() for d in ledger.budgets[FOOD].fired}
    # June was re-armed by the move.
    assert alerts(feed(ledger, stream.expense("400.00"))) == [("budget_warning", 80, JUNE)]


def test_an_edit_that_moves_an_expense_to_another_category_moves_the_money() -> None:
    stream = Stream()
    ledger = stream.ledger()
    travel = uuid4()
    feed(ledger, stream.budget(FOOD, "500.00"), stream.budget(travel, "200.00", "travel"))
    meal = stream.expense("450.00")
    assert alerts(feed(ledger, meal)) == [("budget_warning", 80, JUNE)]
    (exceeded,) = feed(ledger, stream.update(meal, category="travel"))
    assert exceeded.type is Topic.BUDGET_EXCEEDED
    assert told(exceeded)["budget_id"] == str(travel)
    assert told(exceeded)["overage"] == "250.00"
    assert spent(ledger) == Decimal("0.00")
    assert spent(ledger, budget_id=travel) == Decimal("450.00")
    assert ledger.budgets[FOOD].fired == {}


def test_an_edit_of_category_and_month_together() -> None:
    stream = Stream()
    ledger = stream.ledger()
    travel = uuid4()
    feed(ledger, stream.budget(FOOD, "500.00"), stream.budget(travel, "200.00", "travel"))
    trip = stream.expense("150.00", category="travel")
    feed(ledger, trip, stream.expense("100.00", category="travel", day=MAY_DAY))
    raised = feed(ledger, stream.update(trip, category="food", day=MAY_DAY, amount="400.00"))
    assert [(told(a)["budget_id"], told(a)["period_start"]) for a in raised] == [(str(FOOD), MAY)]
    assert spent(ledger, budget_id=travel) == Decimal("0.00")
    assert spent(ledger, MAY_DAY, budget_id=travel) == Decimal("100.00")
    assert spent(ledger, MAY_DAY) == Decimal("400.00")


def test_an_edit_between_weeks_of_one_month_changes_the_weeks_not_the_month() -> None:
    stream = Stream()
    ledger = stream.ledger()
    weekly = uuid4()
    feed(ledger, stream.budget(weekly, "100.00", period="weekly"), stream.budget(FOOD, "500.00"))
    lunch = stream.expense("90.00", day=date(2024, 6, 9))  # a Sunday: the week of 3 June
    assert alerts(feed(ledger, lunch)) == [("budget_warning", 80, "2024-06-03")]
    raised = feed(ledger, stream.update(lunch, day=date(2024, 6, 10)))  # Monday, next week
    assert alerts(raised) == [("budget_warning", 80, "2024-06-10")]
    assert ledger.budget_position(ledger.budgets[weekly], date(2024, 6, 9)).spent == 0
    assert spent(ledger) == Decimal("90.00")


def test_changing_an_expense_into_income_takes_it_out_of_spending() -> None:
    stream, ledger = food_budget()
    refund = stream.expense("450.00")
    feed(ledger, refund)
    assert feed(ledger, stream.update(refund, type=EntryType.INCOME)) == []
    assert spent(ledger) == Decimal("0.00")
    assert alerts(feed(ledger, stream.expense("400.00"))) == [("budget_warning", 80, JUNE)]


# -- only spending going up raises a budget alert


def _may_over_a_budget_created_in_june() -> tuple[Stream, Ledger, Event, Event]:
    """May already holds 600 of food when a 500 monthly food budget is created in June."""
    stream = Stream()
    ledger = stream.ledger()
    groceries, dinner = stream.expense("400.00", day=MAY_DAY), stream.expense("200.00", day=MAY_DAY)
    feed(ledger, groceries, dinner)
    assert feed(ledger, stream.budget(FOOD, "500.00")) == []  # May is not the current period
    return stream, ledger, groceries, dinner


def test_a_delete_never_raises_a_budget_alert() -> None:
    stream, ledger, _, dinner = _may_over_a_budget_created_in_june()
    assert feed(ledger, stream.delete(dinner)) == []  # May: 600 -> 400, spending went down
    assert spent(ledger, MAY_DAY) == Decimal("400.00")


def test_an_update_that_lowers_an_amount_never_raises_a_budget_alert() -> None:
    stream, ledger, groceries, _ = _may_over_a_budget_created_in_june()
    assert feed(ledger, stream.update(groceries, amount="350.00")) == []  # 600 -> 550


# -- goals


GOAL = uuid4()


def saver(target: str = "1000.00", deadline: date | None = None) -> tuple[Stream, Ledger]:
    stream = Stream()
    ledger = stream.ledger()
    assert feed(ledger, stream.goal(GOAL, target, deadline=deadline)) == []
    return stream, ledger


def saved(ledger: Ledger) -> Decimal:
    return from_cents(ledger.goals[GOAL].saved)


def test_income_toward_a_goal_adds_and_reaching_the_target_raises_goal_achieved() -> None:
    stream, ledger = saver()
    assert feed(ledger, stream.income("600.00", goal_id=GOAL)) == []
    assert saved(ledger) == Decimal("600.00")
    at = datetime(2024, 6, 20, 18, 0, tzinfo=UTC)
    raised = feed(ledger, stream.income("400.00", goal_id=GOAL, at=at))
    assert len(raised) == 1
    assert raised[0].type is Topic.GOAL_ACHIEVED
    assert raised[0].user_id == stream.user_id
    assert told(raised[0]) == {
        "goal_id": str(GOAL),
        "name": "Bike",
        "target_amount": "1000.00",
        "saved": "1000.00",
        "achieved_at": "2024-06-20T18:00:00Z",  # RFC 3339, as the envelope writes times
    }
    assert ledger.goals[GOAL].achieved_at == at


def test_a_goal_is_achieved_once_not_on_every_later_deposit() -> None:
    stream, ledger = saver()
    assert achieved(feed(ledger, stream.income("1200.00", goal_id=GOAL))) == [str(GOAL)]
    assert feed(ledger, stream.income("50.00", goal_id=GOAL)) == []
    assert saved(ledger) == Decimal("1250.00")


def test_an_expense_toward_a_goal_withdraws_and_falling_below_re_arms() -> None:
    stream, ledger = saver()
    assert achieved(feed(ledger, stream.income("1000.00", goal_id=GOAL))) == [str(GOAL)]
    assert feed(ledger, stream.expense("0.01", category="bike", goal_id=GOAL)) == []
    assert saved(ledger) == Decimal("999.99")
    assert ledger.goals[GOAL].achieved_at is None
    assert achieved(feed(ledger, stream.income("0.01", goal_id=GOAL))) == [str(GOAL)]


def test_updating_or_deleting_a_deposit_re_arms_the_goal() -> None:
    stream, ledger = saver()
    deposit = stream.income("1000.00", goal_id=GOAL)
    assert achieved(feed(ledger, deposit)) == [str(GOAL)]
    assert feed(ledger, stream.update(deposit, amount="900.00")) == []
    assert saved(ledger) == Decimal("900.00")
    assert achieved(feed(ledger, stream.update(deposit, amount="1000.00"))) == [str(GOAL)]
    assert feed(ledger, stream.delete(deposit)) == []
    assert saved(ledger) == Decimal("0.00")
    assert achieved(feed(ledger, stream.income("1000.00", goal_id=GOAL))) == [str(GOAL)]


def test_moving_a_deposit_to_another_goal_moves_the_savings() -> None:
    stream, ledger = saver("500.00")
    other = uuid4()
    feed(ledger, stream.goal(other, "500.00", name="Trip"))
    deposit = stream.income("500.00", goal_id=GOAL)
    assert achieved(feed(ledger, deposit)) == [str(GOAL)]
    raised = feed(ledger, stream.update(deposit, goal_id=other))
    assert achieved(raised) == [str(other)]
    assert saved(ledger) == 0 and ledger.goals[GOAL].achieved_at is None
    assert from_cents(ledger.goals[other].saved) == Decimal("500.00")


def test_income_without_a_goal_and_spending_without_a_goal_leave_goals_alone() -> None:
    stream, ledger = saver()
    assert feed(ledger, stream.income("5000.00"), stream.expense("20.00")) == []
    assert saved(ledger) == Decimal("0.00")


def test_an_expense_toward_a_goal_also_counts_as_spending() -> None:
    stream, ledger = saver()
    feed(ledger, stream.budget(FOOD, "100.00"), stream.income("300.00", goal_id=GOAL))
    assert alerts(feed(ledger, stream.expense("100.00", goal_id=GOAL))) == [
        ("budget_exceeded", 100, JUNE)
    ]
    assert saved(ledger) == Decimal("200.00")


def test_lowering_a_goals_target_to_the_saved_amount_achieves_it() -> None:
    stream, ledger = saver()
    feed(ledger, stream.income("700.00", goal_id=GOAL))
    raised = feed(ledger, stream.goal(GOAL, "700.00"))
    assert achieved(raised) == [str(GOAL)]
    assert told(raised[0])["target_amount"] == "700.00"
    # Raising it again re-arms: reaching the new target is news again.
    assert feed(ledger, stream.goal(GOAL, "800.00")) == []
    assert ledger.goals[GOAL].achieved_at is None
    assert achieved(feed(ledger, stream.income("100.00", goal_id=GOAL))) == [str(GOAL)]


def test_renaming_a_goal_keeps_its_savings_and_does_not_re_announce_it() -> None:
    stream, ledger = saver("100.00")
    feed(ledger, stream.income("150.00", goal_id=GOAL))
    assert feed(ledger, stream.goal(GOAL, "100.00", name="Road bike")) == []
    assert ledger.goals[GOAL].name == "Road bike"
    assert saved(ledger) == Decimal("150.00")


def test_a_deleted_goal_takes_no_more_deposits() -> None:
    stream, ledger = saver("100.00")
    deposit = stream.income("40.00", goal_id=GOAL)
    feed(ledger, deposit, stream.delete_goal(GOAL))
    assert GOAL not in ledger.goals
    assert feed(ledger, stream.income("100.00", goal_id=GOAL), stream.delete(deposit)) == []
    assert GOAL not in ledger.goals


def test_the_goal_position_reports_remaining_and_the_monthly_saving_needed() -> None:
    stream, ledger = saver("1200.00", deadline=date(2024, 11, 30))
    feed(ledger, stream.income("300.00", goal_id=GOAL))
    position = ledger.goal_position(ledger.goals[GOAL], TODAY)
    assert position.remaining == Decimal("900.00")
    assert position.percent == Decimal("25.00")
    assert position.monthly_needed == Decimal("150.00")  # June to November: 6 months
    feed(ledger, stream.income("1000.00", goal_id=GOAL))
    position = ledger.goal_position(ledger.goals[GOAL], TODAY)
    assert (position.remaining, position.monthly_needed) == (0, 0)
    assert position.percent == Decimal("108.33")


def test_a_goal_without_deadline_needs_no_monthly_amount() -> None:
    _, ledger = saver()
    assert ledger.goal_position(ledger.goals[GOAL], TODAY).monthly_needed is None


# -- budget definition changes


def test_a_new_budget_fires_at_once_when_the_current_period_is_already_over() -> None:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.expense("450.00"), stream.expense("600.00", day=MAY_DAY))
    raised = feed(ledger, stream.budget(FOOD, "500.00"))
    assert alerts(raised) == [("budget_warning", 80, JUNE)]  # not May: only the current period
    assert told(raised[0])["spent"] == "450.00"


def test_the_current_period_is_the_budgets_period_on_the_day_of_the_change() -> None:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.expense("450.00", day=date(2024, 5, 31)))
    raised = feed(ledger, stream.budget(FOOD, "500.00", today=date(2024, 5, 31)))
    assert alerts(raised) == [("budget_warning", 80, MAY)]


def test_lowering_a_limit_fires_in_the_current_period() -> None:
    stream, ledger = food_budget()
    feed(ledger, stream.expense("300.00"))
    assert alerts(feed(ledger, stream.budget(FOOD, "350.00"))) == [("budget_warning", 80, JUNE)]
    (exceeded,) = feed(ledger, stream.budget(FOOD, "250.00"))
    assert exceeded.type is Topic.BUDGET_EXCEEDED
    assert told(exceeded)["limit"] == "250.00"
    assert told(exceeded)["overage"] == "50.00"


def test_raising_a_limit_re_arms_the_current_period() -> None:
    stream, ledger = food_budget()
    assert alerts(feed(ledger, stream.expense("520.00"))) == [("budget_exceeded", 100, JUNE)]
    assert feed(ledger, stream.budget(FOOD, "1000.00")) == []
    assert ledger.budgets[FOOD].fired == {}
    assert alerts(feed(ledger, stream.expense("300.00"))) == [("budget_warning", 80, JUNE)]


def test_an_unchanged_or_renamed_definition_does_not_repeat_an_alert() -> None:
    stream, ledger = food_budget()
    feed(ledger, stream.expense("420.00"))
    assert feed(ledger, stream.budget(FOOD, "500.00")) == []
    assert feed(ledger, stream.budget(FOOD, "500.0")) == []
    assert feed(ledger, stream.budget(FOOD, "500.00", thresholds=[100, 80])) == []


def test_a_limit_change_only_re_arms_earlier_periods_never_fires_there() -> None:
    stream, ledger = food_budget()
    assert alerts(feed(ledger, stream.expense("450.00", day=MAY_DAY))) == [
        ("budget_warning", 80, MAY)
    ]
    # June: the limit drops to 400. May is now 112 percent, but May is not told about it.
    assert feed(ledger, stream.budget(FOOD, "400.00")) == []
    # Then up to 1000: May falls to 45 percent and is re-armed.
    assert feed(ledger, stream.budget(FOOD, "1000.00")) == []
    assert date(2024, 5, 1) not in ledger.budgets[FOOD].fired
    # So a later backdated May expense that reaches 80 percent warns again.
    assert alerts(feed(ledger, stream.expense("350.00", day=MAY_DAY))) == [
        ("budget_warning", 80, MAY)
    ]


def test_changing_a_budgets_category_starts_its_thresholds_afresh() -> None:
    stream, ledger = food_budget()
    feed(ledger, stream.expense("450.00"), stream.expense("430.00", category="travel"))
    raised = feed(ledger, stream.budget(FOOD, "500.00", category="travel"))
    assert alerts(raised) == [("budget_warning", 80, JUNE)]
    assert told(raised[0])["category"] == "travel"
    assert told(raised[0])["spent"] == "430.00"
    assert feed(ledger, stream.expense("100.00", category="food")) == []


def test_changing_a_budgets_period_judges_the_new_period() -> None:
    stream, ledger = food_budget("100.00")
    feed(ledger, stream.expense("60.00", day=date(2024, 6, 3)), stream.expense("30.00"))
    assert alerts(feed(ledger, stream.budget(FOOD, "100.00", period="weekly"))) == []
    assert alerts(feed(ledger, stream.expense("50.00"))) == [("budget_warning", 80, "2024-06-10")]


def test_a_lower_threshold_added_later_warns_in_the_current_period() -> None:
    stream, ledger = food_budget()
    feed(ledger, stream.expense("200.00"))
    raised = feed(ledger, stream.budget(FOOD, "500.00", thresholds=[30, 50, 100]))
    assert alerts(raised) == [("budget_warning", 30, JUNE)]
    assert alerts(feed(ledger, stream.expense("50.00"))) == [("budget_warning", 50, JUNE)]


def test_a_deleted_budget_raises_nothing_and_a_new_one_sees_all_spending() -> None:
    stream, ledger = food_budget()
    feed(ledger, stream.expense("300.00"))
    assert feed(ledger, stream.delete_budget(FOOD)) == []
    assert FOOD not in ledger.budgets
    assert feed(ledger, stream.expense("900.00")) == []
    assert spent_per_scope(ledger) == {}  # nothing is kept for a category without a budget
    # A budget defined again sees the month's spending and speaks up about it once.
    again = uuid4()
    assert alerts(feed(ledger, stream.budget(again, "1000.00"))) == [("budget_exceeded", 100, JUNE)]
    assert spent(ledger, budget_id=again) == Decimal("1200.00")


def test_deleting_a_budget_that_does_not_exist_is_harmless() -> None:
    stream = Stream()
    ledger = stream.ledger()
    assert feed(ledger, stream.delete_budget(uuid4()), stream.delete_goal(uuid4())) == []
    assert ledger.sequence == 2


# -- sequence order, gaps and duplicates


def test_events_that_arrive_early_wait_for_the_gap_to_fill() -> None:
    stream = Stream()
    ledger = stream.ledger()
    budget = stream.budget(FOOD, "500.00")
    first, second = stream.expense("300.00"), stream.expense("150.00")
    assert feed(ledger, second) == []
    assert ledger.sequence == 0 and spent_per_scope(ledger) == {}
    assert feed(ledger, first) == []
    assert ledger.sequence == 0 and set(ledger.pending) == {2, 3}
    raised = ledger.accept(budget)
    assert alerts(raised) == [("budget_warning", 80, JUNE)]
    assert told(raised[0])["spent"] == "450.00"  # the warning came with the second expense
    assert ledger.sequence == 3 and ledger.pending == {}


def test_an_update_that_arrives_before_its_create_is_applied_after_it() -> None:
    stream, ledger = food_budget()
    lunch = stream.expense("450.00")
    fix = stream.update(lunch, amount="45.00")
    assert feed(ledger, fix) == []
    assert spent(ledger) == 0
    # Applied in order: the create warns (450 of 500), then the update re-arms.
    assert alerts(feed(ledger, lunch)) == [("budget_warning", 80, JUNE)]
    assert spent(ledger) == Decimal("45.00")
    assert ledger.budgets[FOOD].fired == {}


def test_replayed_events_are_ignored_and_raise_nothing() -> None:
    stream, ledger = food_budget()
    events = [stream.expense("300.00"), stream.expense("200.00")]
    assert alerts(feed(ledger, *events)) == [("budget_exceeded", 100, JUNE)]
    assert feed(ledger, *events, *events) == []
    assert spent(ledger) == Decimal("500.00")
    assert ledger.sequence == 3


def test_a_duplicate_of_an_event_still_held_is_ignored() -> None:
    stream, ledger = food_budget()
    first, second = stream.expense("100.00"), stream.expense("350.00")
    assert feed(ledger, second, second) == []
    assert list(ledger.pending) == [3]
    assert alerts(feed(ledger, first, second)) == [("budget_warning", 80, JUNE)]
    assert spent(ledger) == Decimal("450.00")


def test_a_replay_with_a_new_event_id_is_still_a_duplicate() -> None:
    stream, ledger = food_budget()
    big = stream.expense("600.00")
    feed(ledger, big)
    again = Event(big.type, big.user_id, big.occurred_at, big.payload)
    assert again.id != big.id
    assert feed(ledger, again) == []
    assert spent(ledger) == Decimal("600.00")


def test_a_non_ledger_event_is_refused() -> None:
    ledger = Ledger(uuid4())
    event = Event(Topic.USER_REGISTERED, ledger.user_id, NOW, {"sequence": 1})
    with pytest.raises(ValueError):
        ledger.accept(event)


# -- events that cannot apply, and the calendar's ends


@pytest.mark.parametrize(
    ("make", "path", "value"),
    [
        ("expense", ("goal_id",), 7),
        ("expense", ("amount",), 12),
        ("expense", ("amount",), "1e999999"),
        ("expense", ("amount",), "0.001"),
        ("expense", ("category",), ["food"]),
        ("expense", ("local_date",), "9999-12-32"),
        ("expense", ("sequence",), True),
        ("budget", ("budget_id",), 7),
        ("budget", ("budget", "spent"), ["2024-06-01"]),
        ("budget", ("budget", "spent", "2024-06-01"), "NaN"),
        ("budget", ("budget", "alert_thresholds"), [80, True]),
        ("budget", ("budget", "limit"), "1e-999999"),
        ("goal", ("goal_id",), 7),
        ("goal", ("goal", "name"), {"x": 1}),
        ("goal", ("goal", "deadline"), 20240101),
    ],
)
def test_decoding_refuses_a_field_of_the_wrong_kind(
    make: str, path: tuple[str, ...], value: object
) -> None:
    stream = Stream()
    event = {
        "expense": lambda: stream.expense("10.00"),
        "budget": lambda: stream.budget(FOOD, "100.00"),
        "goal": lambda: stream.goal(uuid4(), "100.00"),
    }[make]()
    body = json.loads(event.to_json())  # as the service writes it
    assert payloads.read(event.type.value, json.dumps(body).encode()) == event
    inner = body["payload"]
    for name in path[:-1]:
        inner = inner[name]
    inner[path[-1]] = value
    with pytest.raises(MalformedEvent, match="|".join(path[1:] or path)):
        payloads.read(event.type.value, json.dumps(body).encode())


def test_an_expense_on_the_calendars_last_day_counts_in_its_last_week() -> None:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.budget(FOOD, "10.00", period="weekly", today=date.max))
    [exceeded] = feed(ledger, stream.expense("12.00", day=date.max))
    assert (told(exceeded)["period_start"], told(exceeded)["period_end"]) == (
        "9999-12-27",
        "9999-12-31",
    )
    assert spent(ledger, date.max) == Decimal("12.00")


def test_an_event_that_fails_to_apply_says_which_and_a_skipped_number_is_stepped_over() -> None:
    stream, ledger = food_budget()
    # A bug in applying, as if the schema had let "ten" by as an amount.
    broken = stream.expense("10.00")
    force_setattr(broken.payload, "amount", "ten")
    after = stream.expense("20.00")
    with pytest.raises(ApplyFailed) as failed:
        feed(ledger, after, broken)  # the later one waits, then the broken one is applied
    assert failed.value.event is broken and "InvalidOperation" in str(failed.value)

    stream, ledger = food_budget()
    first, second, third = (stream.expense(a) for a in ("10.00", "20.00", "40.00"))
    ledger.skip(3)
    feed(ledger, third, first, second)
    assert ledger.sequence == 4 and spent(ledger) == Decimal("50.00")
    assert not ledger.skipped and not ledger.pending
    assert feed(ledger, second) == []  # still a replay once stepped over


def test_entries_round_trip_through_their_event() -> None:
    goal = uuid4()
    for entry in [
        Entry(Decimal("12.30"), EntryType.EXPENSE, "food", TODAY),
        Entry(Decimal("0.01"), EntryType.INCOME, "salary", date(2024, 2, 29), goal),
        Entry(Decimal("950.00"), EntryType.EXPENSE, "rent", TODAY, recurring=True),
    ]:
        created = Stream().create(entry).payload
        assert isinstance(created, TransactionCreated)
        assert created.entry() == entry


# -- property: any arrival order gives the plain sums


def _random_history(rng: random.Random, stream: Stream) -> list[Event]:
    """Creates, updates and deletes of expenses (and some income) over a few categories and
    months across a year end, with budgets defined and redefined along the way."""
    categories = ["food", "travel", "rent"]
    first_day = date(2023, 11, 20)
    budgets = {
        uuid4(): (category, period) for category, period in zip(categories, Period, strict=True)
    }
    live: list[Event] = []

    def amount() -> str:
        return str(Decimal(rng.randint(1, 20000)) / 100)

    def day() -> date:
        return first_day + timedelta(days=rng.randint(0, 120))

    def define(budget_id: UUID) -> Event:
        category, period = budgets[budget_id]
        limit = str(Decimal(rng.randint(50, 600)))
        return stream.budget(budget_id, limit, category, period.value, [50, 80, 100], day())

    events = [define(budget_id) for budget_id in budgets]
    for _ in range(rng.randint(40, 120)):
        roll = rng.random()
        if roll < 0.5 or not live:
            kind = EntryType.EXPENSE if rng.random() < 0.85 else EntryType.INCOME
            entry = Entry(Decimal(amount()), kind, rng.choice(categories), day())
            created = stream.create(entry)
            events.append(created)
            live.append(created)
        elif roll < 0.8:
            changes = rng.choice(
                [
                    {"amount": amount()},
                    {"day": day()},
                    {"category": rng.choice(categories)},
                    {"type": rng.choice(list(EntryType))},
                ]
            )
            events.append(stream.update(rng.choice(live), **changes))
        elif roll < 0.95:
            events.append(stream.delete(live.pop(rng.randrange(len(live)))))
        else:
            events.append(define(rng.choice(list(budgets))))
    return events


def _plain_sums(entries: list[Entry]) -> dict[tuple[str, Period, date], Decimal]:
    sums: dict[tuple[str, Period, date], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if entry.type is EntryType.EXPENSE:
            for period in Period:
                sums[(entry.category, period, period_start(period, entry.day))] += entry.amount
    return {key: total for key, total in sums.items() if total}


def _told(raised: list[Event]) -> list[tuple[str, str, str, int, str]]:
    return sorted(
        (
            a.type.value,
            told(a)["budget_id"],
            told(a)["period_start"],
            told(a).get("threshold", 0),  # none on an early warning
            told(a)["spent"],
        )
        for a in raised
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 17, 2024, 31337])
def test_any_arrival_order_with_replays_gives_the_plain_sums(seed: int) -> None:
    rng = random.Random(seed)
    stream = Stream()
    events = _random_history(rng, stream)
    in_order = stream.ledger()
    told_in_order = feed(in_order, *events)

    arrivals = events + rng.sample(events, len(events) // 3)  # some replays
    rng.shuffle(arrivals)
    shuffled = stream.ledger()
    told_shuffled = feed(shuffled, *arrivals)

    scopes = {(b.category, b.period) for b in in_order.budgets.values()}
    expected = {
        key: total
        for key, total in _plain_sums(list(stream.entries.values())).items()
        if key[:2] in scopes
    }
    assert len(scopes) == 3
    assert spent_per_scope(shuffled) == expected
    assert spent_per_scope(in_order) == expected
    assert shuffled.sequence == len(events) and shuffled.pending == {}
    assert _told(told_shuffled) == _told(told_in_order)
    assert {b.id: b.fired for b in shuffled.budgets.values()} == {
        b.id: b.fired for b in in_order.budgets.values()
    }


@pytest.mark.parametrize("seed", [5, 6, 7, 8])
def test_with_only_new_expenses_each_period_hears_of_its_final_level_once(seed: int) -> None:
    """Spending only goes up: a period ending at or over the limit was told 'exceeded' once;
    one ending between 80 and 100 percent was warned once; one below 80 heard nothing."""
    rng = random.Random(seed)
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.budget(FOOD, "300.00", period="weekly"))
    raised = []
    for _ in range(60):
        day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 62))
        raised += feed(ledger, stream.expense(str(Decimal(rng.randint(100, 9000)) / 100), day=day))
    heard_per_week: dict[str, list[str]] = defaultdict(list)
    for alert in raised:
        heard_per_week[told(alert)["period_start"]].append(alert.type.value)
    weeks = {period_start(Period.WEEKLY, e.day) for e in stream.entries.values()}
    for week in weeks:
        total = ledger.budget_position(ledger.budgets[FOOD], week).spent
        heard = heard_per_week[week.isoformat()]
        if total >= Decimal("300.00"):
            assert heard.count("budget_exceeded") == 1 and len(heard) <= 2
        elif total >= Decimal("240.00"):
            assert heard == ["budget_warning"]
        else:
            assert heard == []
    assert set(heard_per_week) <= {w.isoformat() for w in weeks}


# -- the ends of the calendar


@pytest.mark.parametrize("period", list(Period))
@pytest.mark.parametrize("day", [FIRST_DAY, LAST_DAY, date.min, date.max], ids=str)
def test_an_expense_at_an_end_of_the_calendar_is_applied_and_alerts(
    period: Period, day: date
) -> None:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.budget(FOOD, "10.00", period=period.value))
    raised = feed(ledger, stream.expense("25.00", day=day))
    assert [(a.type, told(a)["period_start"]) for a in raised] == [
        (Topic.BUDGET_EXCEEDED, period_start(period, day).isoformat())
    ]
    position = ledger.budget_position(ledger.budgets[FOOD], day)
    assert (position.spent, position.period_end) == (Decimal("25.00"), period_end(period, day))
