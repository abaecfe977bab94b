"""Rollover arithmetic: what earlier periods carry into a budget's current one."""

from datetime import date
from decimal import Decimal

from actors.domain.periods import Period
from actors.domain.rollover import Rollover, carried

D = Decimal
LIMIT = D("100.00")
# April under, May over, June the current month.
SPENT = {date(2024, 4, 1): D("70.00"), date(2024, 5, 1): D("130.00"), date(2024, 6, 1): D("5")}
JUNE = date(2024, 6, 12)


def carry(rollover: Rollover, starts_on: date = date(2024, 4, 1), day: date = JUNE) -> Decimal:
    return carried(rollover, Period.MONTHLY, LIMIT, SPENT, starts_on, day)


def test_no_rollover_carries_nothing() -> None:
    assert carry(Rollover.NONE) == 0


def test_surplus_carries_what_is_left_and_forgives_overspending() -> None:
    # April leaves 30; May has 130 available and spends 130: nothing left, nothing owed.
    assert carry(Rollover.SURPLUS, day=date(2024, 5, 3)) == D("30.00")
    assert carry(Rollover.SURPLUS) == D("0.00")


def test_surplus_never_goes_below_zero() -> None:
    spent = {date(2024, 4, 1): D("250.00")}
    june = carried(Rollover.SURPLUS, Period.MONTHLY, LIMIT, spent, date(2024, 4, 1), JUNE)
    assert june == D("100.00")  # April's 150 over is forgiven; May leaves its whole 100


def test_surplus_and_deficit_carries_overspending_too() -> None:
    assert carry(Rollover.SURPLUS_AND_DEFICIT, day=date(2024, 5, 3)) == D("30.00")
    assert carry(Rollover.SURPLUS_AND_DEFICIT) == D("0.00")  # +30 then -30
    spent = {date(2024, 4, 1): D("250.00")}
    june = carried(
        Rollover.SURPLUS_AND_DEFICIT, Period.MONTHLY, LIMIT, spent, date(2024, 4, 1), JUNE
    )
    assert june == D("-50.00")  # -150 in April, +100 in May


def test_periods_count_from_the_one_holding_starts_on() -> None:
    # Starting mid-May counts May whole, and April not at all.
    assert carry(Rollover.SURPLUS, starts_on=date(2024, 5, 20)) == D("0.00")
    assert carry(Rollover.SURPLUS_AND_DEFICIT, starts_on=date(2024, 5, 20)) == D("-30.00")


def test_a_budget_starting_in_the_current_period_or_later_carries_nothing() -> None:
    assert carry(Rollover.SURPLUS_AND_DEFICIT, starts_on=date(2024, 6, 1)) == 0
    assert carry(Rollover.SURPLUS_AND_DEFICIT, starts_on=date(2025, 1, 1)) == 0


def test_weeks_without_spending_carry_their_whole_limit() -> None:
    # Weeks of 3, 10 and 17 June: nothing spent; the week of 24 June is the current one.
    got = carried(Rollover.SURPLUS, Period.WEEKLY, D("20"), {}, date(2024, 6, 5), date(2024, 6, 26))
    assert got == D("60")


def test_at_the_ends_of_the_calendar_it_does_not_raise() -> None:
    assert carry(Rollover.SURPLUS, starts_on=date(1970, 1, 1), day=date(1970, 1, 1)) == 0
    last = carried(Rollover.SURPLUS, Period.YEARLY, LIMIT, {}, date(2198, 1, 1), date(2200, 12, 31))
    assert last == D("200.00")
