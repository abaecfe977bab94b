"""Forecast methods on hand-made histories: steady, seasonal, with one-off purchases, short,
sparse; known amounts due, the range, and the day a budget is expected to be crossed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from actors.domain.forecast import Method, Scheduled, due_amounts, expected, history, project
from actors.domain.periods import Period, period_start

D = Decimal
MONTHLY = Period.MONTHLY
JUNE_16 = date(2024, 6, 16)  # day 16 of 30: 15.5 days count as spent, 14.5 remain


def months(first: date, amounts: list[str]) -> dict[date, Decimal]:
    """Totals for consecutive months from `first`."""
    totals, start = {}, first
    for amount in amounts:
        totals[start] = D(amount)
        start = period_start(MONTHLY, start + timedelta(days=32))
    return totals


def steady(count: int = 12, amount: str = "100.00") -> dict[date, Decimal]:
    """`count` months of the same spending, ending with May 2024."""
    first = date(2024, 6, 1)
    for _ in range(count):
        first = period_start(MONTHLY, first - timedelta(days=1))
    return months(first, [amount] * count)


def test_a_steady_history_forecasts_its_level_with_a_narrow_range() -> None:
    spent = steady() | {date(2024, 6, 1): D("51.67")}  # on pace for 100
    outlook = project(MONTHLY, JUNE_16, spent)
    assert outlook.method is Method.RECENT
    assert outlook.projected == D("100.00")
    assert outlook.low == outlook.high == outlook.projected


def test_one_large_purchase_in_the_history_does_not_move_the_forecast() -> None:
    history_ = steady() | {date(2024, 3, 1): D("2400.00")}  # a sofa in March
    outlook = project(MONTHLY, date(2024, 6, 1), history_)
    assert D("95") <= outlook.projected <= D("101")


def test_one_large_purchase_this_period_is_not_extrapolated() -> None:
    spent = steady() | {date(2024, 6, 1): D("1500.00")}  # the sofa is this month's
    outlook = project(MONTHLY, date(2024, 6, 5), spent)
    # What is spent, plus half the usual 100 a month over the 25.5 days left (the other half
    # of the estimate counts the month as already at its usual total).
    assert outlook.projected == D("1542.50")


def test_the_projection_is_never_below_what_is_spent() -> None:
    spent = steady(amount="0.00") | {date(2024, 5, 1): D("3.00"), date(2024, 6, 1): D("80.00")}
    outlook = project(MONTHLY, JUNE_16, spent)
    assert outlook.low >= D("80.00") and outlook.projected >= D("80.00")


def seasonal_years(december: str = "300.00") -> dict[date, Decimal]:
    """Three years from June 2021: 100 a month, `december` in each December."""
    amounts = []
    start = date(2021, 6, 1)
    for _ in range(36):
        amounts.append(december if start.month == 12 else "100.00")
        start = period_start(MONTHLY, start + timedelta(days=32))
    return months(date(2021, 6, 1), amounts)


def test_the_same_period_of_earlier_years_makes_a_seasonal_forecast() -> None:
    totals = seasonal_years()
    december = expected(MONTHLY, totals, date(2024, 12, 1))
    assert december.method is Method.SEASONAL
    assert december.total == D("300.00")
    # A month that is ordinary in every earlier year is forecast at the level.
    november = expected(MONTHLY, totals, date(2024, 11, 1))
    assert november.method is Method.SEASONAL and november.total == D("100.00")


def test_one_earlier_years_one_off_purchase_is_not_a_season() -> None:
    # Two earlier Augusts: 2022 ordinary, 2023 with a one-off 1,000 purchase.
    totals = {day: D("100.00") for day in steady(30)}
    totals[date(2023, 8, 1)] = D("1100.00")
    totals |= months(date(2024, 6, 1), ["100.00", "100.00"])
    august = expected(MONTHLY, totals, date(2024, 8, 1))
    assert august.method is Method.SEASONAL
    assert august.total == D("100.00")


def test_with_three_earlier_years_the_median_season_counts() -> None:
    totals = seasonal_years()
    totals[date(2023, 12, 1)] = D("5000.00")  # one December much larger than the others
    december = expected(MONTHLY, totals, date(2024, 12, 1))
    assert december.total == D("300.00")


def test_a_short_history_blends_in_the_pace_of_the_period() -> None:
    spent = months(date(2024, 4, 1), ["100.00", "100.00", "155.00"])  # June: 155 by the 16th
    outlook = project(MONTHLY, JUNE_16, spent)
    assert outlook.method is Method.RECENT_AND_PACE
    # Pace alone says 300, history alone 203.33: the blend lies between.
    assert D("203.33") < outlook.projected < D("300.00")


def test_without_history_the_pace_of_the_period_is_all_there_is() -> None:
    outlook = project(MONTHLY, JUNE_16, {date(2024, 6, 1): D("155.00")})
    assert outlook.method is Method.PACE
    assert outlook.projected == D("300.00")  # 155 in 15.5 days, 10 a day for 14.5 more
    assert outlook.low < outlook.projected < outlook.high


def test_nothing_spent_and_no_history_forecasts_nothing() -> None:
    outlook = project(MONTHLY, JUNE_16, {})
    assert (outlook.projected, outlook.low, outlook.high) == (D("0.00"),) * 3


def test_a_sparse_category_forecasts_little() -> None:
    # One 60.00 purchase in a year of months without any.
    spent = {date(2023, 9, 1): D("60.00")}
    outlook = project(MONTHLY, date(2024, 6, 1), spent)
    assert outlook.method is Method.RECENT
    assert outlook.projected < D("5.00")


def test_known_amounts_still_due_in_the_period_count_exactly() -> None:
    spent = steady(amount="0.00") | {date(2024, 5, 1): D("1.00")}
    due = {
        date(2024, 6, 16): D("25.00"),  # today, not yet written
        date(2024, 6, 20): D("450.00"),
        date(2024, 6, 30): D("50.00"),
        date(2024, 7, 1): D("999.00"),  # next period
    }
    outlook = project(MONTHLY, JUNE_16, spent, due)
    assert outlook.projected == D("525.00")
    assert outlook.low == D("525.00")
    assert outlook.crossing(D("100.00")) == date(2024, 6, 20)


def rent(done_through: date | None, ends_on: date | None = None) -> Scheduled:
    return Scheduled(D("900.00"), MONTHLY, date(2024, 1, 31), ends_on, done_through)


def test_a_series_is_due_on_its_dates_after_the_last_written() -> None:
    june = (date(2024, 6, 1), date(2024, 6, 30))
    assert due_amounts([rent(date(2024, 5, 31))], *june) == {date(2024, 6, 30): D("900.00")}
    assert due_amounts([rent(date(2024, 6, 30))], *june) == {}  # written already
    assert due_amounts([rent(date(2024, 5, 31), ends_on=date(2024, 6, 29))], *june) == {}
    # Two series on one day add up; one never written counts from the period's start.
    weekly = Scheduled(D("10.00"), Period.WEEKLY, date(2024, 6, 2), None, None)
    got = due_amounts([rent(None), weekly], *june)
    assert got[date(2024, 6, 30)] == D("910.00") and got[date(2024, 6, 2)] == D("10.00")
    assert len(got) == 5


def test_spending_written_by_recurring_series_is_not_forecast_again() -> None:
    # 900 rent and 100 else each month; this month the rent is still due on the 30th.
    spent = steady(amount="1000.00") | {date(2024, 6, 1): D("51.67")}
    recurring = {day: D("900.00") for day in steady()}
    outlook = project(MONTHLY, JUNE_16, spent, {date(2024, 6, 30): D("900.00")}, recurring)
    assert outlook.projected == D("1000.00")
    # Without telling which part was rent, the rent would count twice.
    assert project(MONTHLY, JUNE_16, spent, {date(2024, 6, 30): D("900.00")}).projected > 1400


def test_history_fills_periods_without_spending_with_zero() -> None:
    spent = {date(2024, 2, 1): D("10"), date(2024, 4, 1): D("20"), date(2024, 6, 1): D("5")}
    assert history(MONTHLY, spent, JUNE_16) == {
        date(2024, 2, 1): D("10"),
        date(2024, 3, 1): D("0"),
        date(2024, 4, 1): D("20"),
        date(2024, 5, 1): D("0"),
    }


def test_the_crossing_day_is_when_the_expected_spending_passes_what_is_available() -> None:
    spent = steady(amount="300.00") | {date(2024, 6, 1): D("150.00")}
    outlook = project(MONTHLY, JUNE_16, spent)  # 10 a day from here: 145 more
    assert outlook.crossing(D("200.00")) == date(2024, 6, 21)  # 150 + 5.5 days of 10 > 200
    assert outlook.crossing(D("1000.00")) is None
    assert outlook.crossing(D("100.00")) == JUNE_16  # already over


@pytest.mark.parametrize("period", list(Period))
@pytest.mark.parametrize("today", [date(1970, 1, 1), date(2200, 12, 31), date(2024, 2, 29)])
def test_every_period_at_the_ends_of_the_calendar(period: Period, today: date) -> None:
    spent = {period_start(period, today): D("10.00"), date(1970, 1, 1): D("1.00")}
    outlook = project(period, today, spent)
    assert outlook.projected >= D("10.00")
