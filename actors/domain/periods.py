"""Budget periods in the user's time zone: weeks start on Monday, months and years on the 1st."""

import calendar
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# The days the API accepts, in any time zone: dates are input, and a period rule must never
# overflow on one. The rules below hold over every date Python has, these and beyond.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2200, 12, 31)


class Period(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


def local_date(instant: datetime, timezone: str) -> date:
    """The calendar day on which `instant` falls for someone living in `timezone`."""
    if instant.tzinfo is None:
        raise ValueError("an instant without a time zone has no calendar day")
    return instant.astimezone(ZoneInfo(timezone)).date()


def period_start(period: Period, day: date) -> date:
    if period is Period.WEEKLY:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTHLY:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def period_end(period: Period, day: date) -> date:
    """The last day of the period holding `day` (inclusive); the week of date.max ends there."""
    start = period_start(period, day)
    if period is Period.WEEKLY:
        return start + min(timedelta(days=6), date.max - start)
    if period is Period.MONTHLY:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start.replace(month=12, day=31)


def next_start(period: Period, start: date) -> date:
    """The first day of the period after the one holding `start`; OverflowError past date.max."""
    return period_end(period, start) + timedelta(days=1)


def period_starts(period: Period, first: date, until: date) -> list[date]:
    """The starts of the periods from the one holding `first` up to, not including, the one
    holding `until`: empty when `first` is not before `until`'s period."""
    starts, start, stop = [], period_start(period, first), period_start(period, until)
    while start < stop:
        starts.append(start)
        start = next_start(period, start)
    return starts


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls on the 28th; never before
    date.min's year."""
    year = max(day.year - years, 1)
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def days_in(period: Period, day: date) -> int:
    """How many days the period holding `day` has."""
    return (period_end(period, day) - period_start(period, day)).days + 1


def months_left(today: date, deadline: date) -> int:
    """Whole months still to save in, counting the current one; at least 1."""
    months = (deadline.year - today.year) * 12 + deadline.month - today.month + 1
    return max(months, 1)
