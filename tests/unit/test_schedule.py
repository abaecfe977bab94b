"""The due dates of recurring series: month ends, leap years, time zones and clock changes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.domain.periods import FIRST_DAY, LAST_DAY, local_date
from actors.domain.schedule import (
    Cadence,
    day_start,
    due_dates,
    next_due,
    occurrence,
    reminder_day,
    reminder_due,
    work_due,
)

cadences = st.sampled_from(list(Cadence))
days = st.dates(FIRST_DAY, LAST_DAY)


def test_a_monthly_series_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    dates = due_dates(Cadence.MONTHLY, date(2024, 1, 31), None, None, date(2024, 6, 30))
    assert dates == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),  # back on the 31st: counted from the start, not from February
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
    ]


def test_february_of_a_common_year_ends_on_the_28th() -> None:
    assert occurrence(Cadence.MONTHLY, date(2023, 1, 30), 1) == date(2023, 2, 28)
    assert occurrence(Cadence.MONTHLY, date(2023, 1, 29), 1) == date(2023, 2, 28)
    assert occurrence(Cadence.MONTHLY, date(2023, 1, 28), 1) == date(2023, 2, 28)


def test_a_yearly_series_on_the_29th_of_february() -> None:
    dates = due_dates(Cadence.YEARLY, date(2024, 2, 29), None, None, date(2029, 1, 1))
    assert dates == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_century_years_are_leap_only_every_four_hundred() -> None:
    start = date(1996, 2, 29)
    assert occurrence(Cadence.YEARLY, start, 4) == date(2000, 2, 29)
    assert occurrence(Cadence.YEARLY, start, 104) == date(2100, 2, 28)


def test_a_weekly_series_keeps_its_weekday_across_the_year_end() -> None:
    dates = due_dates(Cadence.WEEKLY, date(2024, 12, 18), None, None, date(2025, 1, 8))
    assert dates == [date(2024, 12, 18), date(2024, 12, 25), date(2025, 1, 1), date(2025, 1, 8)]


def test_after_and_end_bound_the_dates() -> None:
    start = date(2024, 1, 31)
    assert due_dates(Cadence.MONTHLY, start, None, date(2024, 2, 29), date(2024, 4, 30)) == [
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    # The end is inclusive; nothing after it, whatever `until` says.
    assert due_dates(Cadence.MONTHLY, start, date(2024, 3, 31), None, date(2030, 1, 1)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]
    assert due_dates(Cadence.MONTHLY, start, None, None, date(2024, 1, 30)) == []


def test_next_due() -> None:
    start = date(2024, 1, 31)
    assert next_due(Cadence.MONTHLY, start, None, None) == start
    assert next_due(Cadence.MONTHLY, start, None, date(2024, 1, 31)) == date(2024, 2, 29)
    assert next_due(Cadence.MONTHLY, start, None, date(2024, 2, 1)) == date(2024, 2, 29)
    assert next_due(Cadence.MONTHLY, start, date(2024, 2, 28), date(2024, 1, 31)) is None
    assert next_due(Cadence.YEARLY, date(2024, 2, 29), None, date(2024, 3, 1)) == date(2025, 2, 28)


def test_the_last_date_python_has_ends_a_series_without_error() -> None:
    assert due_dates(Cadence.MONTHLY, date(9999, 11, 30), None, None, date.max) == [
        date(9999, 11, 30),
        date(9999, 12, 30),
    ]
    assert next_due(Cadence.WEEKLY, date(9999, 12, 30), None, date(9999, 12, 30)) is None
    assert next_due(Cadence.YEARLY, date(9999, 1, 1), None, date(9999, 1, 1)) is None


@given(cadences, days, days, days)
def test_dates_after_a_point_are_the_tail_of_all_dates(
    cadence: Cadence, start: date, after: date, until: date
) -> None:
    every = due_dates(cadence, start, None, None, until)
    tail = due_dates(cadence, start, None, after, until)
    assert tail == [day for day in every if day > after]
    assert every == sorted(set(every))
    assert all(start <= day <= until for day in every)
    # A series' next date comes within a year of its start or of any date after it.
    horizon = max(start, after) + timedelta(days=366)
    expected = next(iter(due_dates(cadence, start, None, after, horizon)), None)
    assert next_due(cadence, start, None, after) == expected


@given(days, st.integers(0, 2000))
def test_a_monthly_date_is_its_start_day_or_the_last_of_a_shorter_month(
    start: date, index: int
) -> None:
    day = occurrence(Cadence.MONTHLY, start, index)
    months = (day.year - start.year) * 12 + day.month - start.month
    assert months == index
    assert day.day == start.day or ((day + timedelta(days=1)).day == 1 and day.day < start.day)


# -- time zones: a due date is a local day, and its transaction's instant lies on that day


@pytest.mark.parametrize(
    ("day", "zone", "instant"),
    [
        (date(2024, 3, 1), "UTC", datetime(2024, 3, 1, tzinfo=UTC)),
        # Auckland is 13 hours ahead in its summer: its 1 March starts on 29 February in UTC.
        (date(2024, 3, 1), "Pacific/Auckland", datetime(2024, 2, 29, 11, tzinfo=UTC)),
        (date(2024, 3, 1), "America/Los_Angeles", datetime(2024, 3, 1, 8, tzinfo=UTC)),
        # The days clocks changed in Los Angeles in 2024 start at the offset before the change.
        (date(2024, 3, 10), "America/Los_Angeles", datetime(2024, 3, 10, 8, tzinfo=UTC)),
        (date(2024, 3, 11), "America/Los_Angeles", datetime(2024, 3, 11, 7, tzinfo=UTC)),
        (date(2024, 11, 3), "America/Los_Angeles", datetime(2024, 11, 3, 7, tzinfo=UTC)),
        (date(2024, 11, 4), "America/Los_Angeles", datetime(2024, 11, 4, 8, tzinfo=UTC)),
        # Santiago skipped midnight on 8 September 2024 (00:00 -04 became 01:00 -03): the day
        # starts at the jump, 04:00 UTC, which is 01:00 local.
        (date(2024, 9, 8), "America/Santiago", datetime(2024, 9, 8, 4, tzinfo=UTC)),
        # ... and on 6 April 2024 it went back from 24:00 -03 to 23:00 -04 on the 6th.
        (date(2024, 4, 7), "America/Santiago", datetime(2024, 4, 7, 4, tzinfo=UTC)),
    ],
)
def test_a_due_day_starts_at_local_midnight(day: date, zone: str, instant: datetime) -> None:
    assert day_start(day, zone) == instant


@given(
    days,
    st.sampled_from(
        [
            "America/Santiago",
            "America/Havana",
            "Asia/Beirut",
            "Europe/London",
            "Australia/Lord_Howe",
            "Pacific/Auckland",
        ]
    ),
)
def test_a_days_start_is_its_first_instant_in_the_zone(day: date, zone: str) -> None:
    start = day_start(day, zone)
    assert local_date(start, zone) == day
    assert local_date(start - timedelta(microseconds=1), zone) == day - timedelta(days=1)
    assert start.astimezone(ZoneInfo(zone)).date() == day


def test_a_reminder_is_due_the_day_before() -> None:
    assert reminder_day(date(2024, 3, 1)) == date(2024, 2, 29)
    assert reminder_day(date(2025, 1, 1)) == date(2024, 12, 31)


def test_a_reminder_is_raised_the_day_before_and_once() -> None:
    due = date(2024, 3, 1)
    assert not reminder_due(due, None, date(2024, 2, 28))
    assert reminder_due(due, None, date(2024, 2, 29))
    assert not reminder_due(due, due, date(2024, 2, 29))  # raised already
    assert not reminder_due(due, None, due)  # the day itself: the transaction, no reminder
    assert reminder_due(due, date(2024, 2, 1), date(2024, 2, 29))  # last month's was raised
    assert not reminder_due(None, None, due)  # the series has ended


def test_a_series_has_work_on_its_due_date_and_for_an_expense_the_day_before() -> None:
    due = date(2024, 3, 1)
    assert work_due(due, None, due, reminds=False)
    assert work_due(due, None, date(2024, 3, 20), reminds=False)  # late: the system was down
    assert not work_due(due, None, date(2024, 2, 29), reminds=False)  # income: no reminder
    assert work_due(due, None, date(2024, 2, 29), reminds=True)
    assert not work_due(due, due, date(2024, 2, 29), reminds=True)
    assert not work_due(None, None, due, reminds=True)
