"""Budget periods in the user's time zone: ISO weeks from Monday, calendar months and years."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfoNotFoundError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.domain.periods import (
    FIRST_DAY,
    LAST_DAY,
    Period,
    local_date,
    months_left,
    period_end,
    period_start,
)

# -- local_date: the day in the user's zone, not the day in UTC


@pytest.mark.parametrize(
    ("instant", "zone", "day"),
    [
        # 11:30 UTC on 31 December is already New Year's Day in Auckland (UTC+13 in summer).
        (datetime(2024, 12, 31, 11, 30, tzinfo=UTC), "Pacific/Auckland", date(2025, 1, 1)),
        (datetime(2024, 12, 31, 10, 59, tzinfo=UTC), "Pacific/Auckland", date(2024, 12, 31)),
        (datetime(2024, 12, 31, 11, 0, tzinfo=UTC), "Pacific/Auckland", date(2025, 1, 1)),
        # 03:00 UTC on 1 March is still the last day of February in Los Angeles (UTC-8).
        (datetime(2024, 3, 1, 3, 0, tzinfo=UTC), "America/Los_Angeles", date(2024, 2, 29)),
        (datetime(2023, 3, 1, 3, 0, tzinfo=UTC), "America/Los_Angeles", date(2023, 2, 28)),
        (datetime(2024, 3, 1, 8, 0, tzinfo=UTC), "America/Los_Angeles", date(2024, 3, 1)),
        (datetime(2024, 3, 1, 3, 0, tzinfo=UTC), "UTC", date(2024, 3, 1)),
        # In July Auckland is UTC+12 (no daylight saving), Los Angeles UTC-7 (daylight saving).
        (datetime(2024, 7, 14, 11, 59, tzinfo=UTC), "Pacific/Auckland", date(2024, 7, 14)),
        (datetime(2024, 7, 14, 12, 0, tzinfo=UTC), "Pacific/Auckland", date(2024, 7, 15)),
        (datetime(2024, 7, 15, 6, 59, tzinfo=UTC), "America/Los_Angeles", date(2024, 7, 14)),
        (datetime(2024, 7, 15, 7, 0, tzinfo=UTC), "America/Los_Angeles", date(2024, 7, 15)),
    ],
)
def test_local_date_is_the_day_in_the_users_zone(instant: datetime, zone: str, day: date) -> None:
    assert local_date(instant, zone) == day


def test_local_date_follows_daylight_saving_in_los_angeles() -> None:
    # Clocks went forward at 02:00 PST on 10 March 2024 (10:00 UTC): midnight is 08:00 UTC
    # before, 07:00 UTC after; in November they went back (3 November, 09:00 UTC).
    winter_midnight = datetime(2024, 3, 10, 8, 0, tzinfo=UTC)
    assert local_date(winter_midnight - timedelta(minutes=1), "America/Los_Angeles") == date(
        2024, 3, 9
    )
    assert local_date(winter_midnight, "America/Los_Angeles") == date(2024, 3, 10)
    summer_midnight = datetime(2024, 3, 11, 7, 0, tzinfo=UTC)
    assert local_date(summer_midnight - timedelta(minutes=1), "America/Los_Angeles") == date(
        2024, 3, 10
    )
    assert local_date(summer_midnight, "America/Los_Angeles") == date(2024, 3, 11)
    # The 25-hour day of 3 November 2024 runs from 07:00 UTC to 08:00 UTC the next day.
    assert local_date(datetime(2024, 11, 4, 7, 59, tzinfo=UTC), "America/Los_Angeles") == date(
        2024, 11, 3
    )
    assert local_date(datetime(2024, 11, 4, 8, 0, tzinfo=UTC), "America/Los_Angeles") == date(
        2024, 11, 4
    )


def test_local_date_follows_daylight_saving_in_auckland() -> None:
    # NZDT ended at 03:00 on 7 April 2024 (14:00 UTC on the 6th): midnight on the 7th was
    # 11:00 UTC (UTC+13), midnight on the 8th was 12:00 UTC (UTC+12).
    assert local_date(datetime(2024, 4, 6, 10, 59, tzinfo=UTC), "Pacific/Auckland") == date(
        2024, 4, 6
    )
    assert local_date(datetime(2024, 4, 6, 11, 0, tzinfo=UTC), "Pacific/Auckland") == date(
        2024, 4, 7
    )
    assert local_date(datetime(2024, 4, 7, 11, 59, tzinfo=UTC), "Pacific/Auckland") == date(
        2024, 4, 7
    )
    assert local_date(datetime(2024, 4, 7, 12, 0, tzinfo=UTC), "Pacific/Auckland") == date(
        2024, 4, 8
    )


def test_local_date_of_an_instant_given_in_another_offset() -> None:
    tokyo = timezone(timedelta(hours=9))
    instant = datetime(2024, 6, 1, 1, 0, tzinfo=tokyo)  # 16:00 UTC on 31 May
    assert local_date(instant, "UTC") == date(2024, 5, 31)
    assert local_date(instant, "Pacific/Auckland") == date(2024, 6, 1)
    assert local_date(instant, "America/Los_Angeles") == date(2024, 5, 31)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        local_date(datetime(2024, 1, 1, tzinfo=UTC), "Mars/Olympus_Mons")


# -- weeks: ISO weeks, Monday to Sunday, across month and year boundaries


@pytest.mark.parametrize(
    ("day", "monday", "sunday"),
    [
        (date(2024, 6, 10), date(2024, 6, 10), date(2024, 6, 16)),  # a Monday
        (date(2024, 6, 16), date(2024, 6, 10), date(2024, 6, 16)),  # a Sunday
        (date(2024, 6, 13), date(2024, 6, 10), date(2024, 6, 16)),
        # 1 January 2025 is a Wednesday: its week began on Monday 30 December 2024.
        (date(2025, 1, 1), date(2024, 12, 30), date(2025, 1, 5)),
        (date(2024, 12, 31), date(2024, 12, 30), date(2025, 1, 5)),
        (date(2025, 1, 5), date(2024, 12, 30), date(2025, 1, 5)),
        # 1 January 2021 is a Friday in ISO week 53 of 2020.
        (date(2021, 1, 1), date(2020, 12, 28), date(2021, 1, 3)),
        (date(2021, 1, 3), date(2020, 12, 28), date(2021, 1, 3)),
        (date(2021, 1, 4), date(2021, 1, 4), date(2021, 1, 10)),
        # Across the leap day, and across a month end.
        (date(2024, 2, 29), date(2024, 2, 26), date(2024, 3, 3)),
        (date(2024, 3, 1), date(2024, 2, 26), date(2024, 3, 3)),
        (date(2024, 5, 31), date(2024, 5, 27), date(2024, 6, 2)),
    ],
)
def test_a_week_runs_monday_to_sunday(day: date, monday: date, sunday: date) -> None:
    assert period_start(Period.WEEKLY, day) == monday
    assert period_end(Period.WEEKLY, day) == sunday
    assert monday.isoweekday() == 1 and sunday.isoweekday() == 7


@given(st.dates(), st.sampled_from(Period))
def test_every_day_of_the_calendar_has_a_period_holding_it(day: date, period: Period) -> None:
    start, end = period_start(period, day), period_end(period, day)
    assert start <= day <= end and (end - start).days <= 365
    assert period_start(period, end) == start or end == date.max


def test_the_calendars_last_week_ends_with_the_calendar() -> None:
    assert period_start(Period.WEEKLY, date.max) == date(9999, 12, 27)
    assert period_end(Period.WEEKLY, date.max) == date.max
    assert period_start(Period.WEEKLY, date.min) == date.min  # 0001-01-01 is a Monday


def test_every_day_of_a_week_shares_its_iso_week() -> None:
    day = date(2019, 12, 1)
    while day < date(2022, 2, 1):
        start = period_start(Period.WEEKLY, day)
        assert start.isocalendar()[:2] == day.isocalendar()[:2]
        assert start <= day <= period_end(Period.WEEKLY, day)
        assert (period_end(Period.WEEKLY, day) - start).days == 6
        day += timedelta(days=1)


# -- months and years


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2024, 2, 1), date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29)),
        (date(2023, 2, 14), date(2023, 2, 1), date(2023, 2, 28)),
        (date(2000, 2, 10), date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400
        (date(1900, 2, 10), date(1900, 2, 1), date(1900, 2, 28)),  # divisible by 100 only
        (date(2024, 4, 30), date(2024, 4, 1), date(2024, 4, 30)),
        (date(2024, 1, 31), date(2024, 1, 1), date(2024, 1, 31)),
        (date(2024, 12, 31), date(2024, 12, 1), date(2024, 12, 31)),
        (date(2024, 12, 1), date(2024, 12, 1), date(2024, 12, 31)),
    ],
)
def test_a_month_runs_from_the_first_to_its_last_day(day: date, first: date, last: date) -> None:
    assert period_start(Period.MONTHLY, day) == first
    assert period_end(Period.MONTHLY, day) == last
    assert (last + timedelta(days=1)).day == 1


@pytest.mark.parametrize(
    "day", [date(2024, 1, 1), date(2024, 2, 29), date(2024, 7, 4), date(2024, 12, 31)]
)
def test_a_year_runs_from_january_first_to_december_thirty_first(day: date) -> None:
    assert period_start(Period.YEARLY, day) == date(2024, 1, 1)
    assert period_end(Period.YEARLY, day) == date(2024, 12, 31)


@pytest.mark.parametrize("period", list(Period))
def test_periods_tile_the_calendar_without_gaps_or_overlaps(period: Period) -> None:
    day = date(2023, 12, 20)
    while day < date(2025, 1, 10):
        start, end = period_start(period, day), period_end(period, day)
        assert start <= day <= end
        following = end + timedelta(days=1)
        assert period_start(period, following) == following
        assert period_start(period, end) == start
        day += timedelta(days=1)


def test_period_names_are_the_api_values() -> None:
    assert [p.value for p in Period] == ["weekly", "monthly", "yearly"]
    assert Period("monthly") is Period.MONTHLY


def test_a_utc_instant_on_new_years_eve_counts_in_aucklands_new_year() -> None:
    """The use that matters: the user's day picks the budget period, not the UTC day."""
    instant = datetime(2024, 12, 31, 20, 0, tzinfo=UTC)
    day = local_date(instant, "Pacific/Auckland")
    assert period_start(Period.YEARLY, day) == date(2025, 1, 1)
    assert period_start(Period.MONTHLY, day) == date(2025, 1, 1)
    assert period_start(Period.WEEKLY, day) == date(2024, 12, 30)
    in_utc = local_date(instant, "UTC")
    assert period_start(Period.YEARLY, in_utc) == date(2024, 1, 1)


# -- months left to save toward a goal's deadline


@pytest.mark.parametrize(
    ("today", "deadline", "months"),
    [
        (date(2024, 1, 15), date(2024, 1, 31), 1),  # the current month counts
        (date(2024, 1, 15), date(2024, 2, 1), 2),
        (date(2024, 1, 31), date(2024, 12, 1), 12),
        (date(2024, 11, 5), date(2025, 2, 28), 4),  # across a year end
        (date(2024, 1, 15), date(2026, 1, 15), 25),
        (date(2024, 5, 1), date(2024, 3, 1), 1),  # deadline already passed: at least 1
        (date(2024, 5, 1), date(2020, 3, 1), 1),
    ],
)
def test_months_left_counts_the_current_month(today: date, deadline: date, months: int) -> None:
    assert months_left(today, deadline) == months


# -- the ends: every day the API accepts, and every day Python has


ENDS = [FIRST_DAY, LAST_DAY, date.min, date.max, date(9999, 12, 27), date(1, 1, 7)]


@pytest.mark.parametrize("period", list(Period))
@pytest.mark.parametrize("day", ENDS, ids=str)
def test_every_period_holds_its_day_at_the_ends_of_the_calendar(period: Period, day: date) -> None:
    start, end = period_start(period, day), period_end(period, day)
    assert date.min <= start <= day <= end <= date.max
    assert period_start(period, end) == start


def test_the_accepted_days_run_from_1970_to_2200() -> None:
    assert (date(1970, 1, 1), date(2200, 12, 31)) == (FIRST_DAY, LAST_DAY)


@pytest.mark.parametrize(
    ("period", "day", "start", "end"),
    [
        (Period.WEEKLY, date.max, date(9999, 12, 27), date.max),  # the week is cut at date.max
        (Period.MONTHLY, date.max, date(9999, 12, 1), date.max),
        (Period.YEARLY, date.max, date(9999, 1, 1), date.max),
        (Period.WEEKLY, date.min, date.min, date(1, 1, 7)),  # 1 January 1 was a Monday
        (Period.WEEKLY, LAST_DAY, date(2200, 12, 29), date(2201, 1, 4)),
        (Period.WEEKLY, FIRST_DAY, date(1969, 12, 29), date(1970, 1, 4)),
    ],
)
def test_periods_at_the_ends(period: Period, day: date, start: date, end: date) -> None:
    assert (period_start(period, day), period_end(period, day)) == (start, end)
