"""The due dates of a recurring series: weekly, monthly or yearly from its start, in local days.

A series keeps its day: the n-th date is counted from the start, never from the date before it,
so a monthly series started on 31 January falls on 29 February (in a leap year), 31 March and
30 April; a yearly one started on 29 February falls on 28 February in other years."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from actors.domain.periods import Period

# A series repeats weekly, monthly or yearly: the same words as a budget's period.
Cadence = Period


def occurrence(cadence: Cadence, start: date, index: int) -> date:
    """The series' date number `index` (0 is `start`). OverflowError past the last date."""
    if cadence is Cadence.WEEKLY:
        return start + timedelta(weeks=index)
    months = index * (12 if cadence is Cadence.YEARLY else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    if not date.min.year <= year <= date.max.year:
        raise OverflowError("the date is out of range")
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def _first_index_after(cadence: Cadence, start: date, after: date) -> int:
    """The smallest index whose date is later than `after`."""
    if after < start:
        return 0
    if cadence is Cadence.WEEKLY:
        return (after - start).days // 7 + 1
    months = (after.year - start.year) * 12 + after.month - start.month
    index = months // 12 if cadence is Cadence.YEARLY else months
    # The date at `index` is in the month (or year) of `after`: on or before it, or just after.
    return index + 1 if occurrence(cadence, start, index) <= after else index


def due_dates(
    cadence: Cadence, start: date, end: date | None, after: date | None, until: date
) -> list[date]:
    """The series' dates later than `after` (all from `start` when None), up to `until` and
    `end` (inclusive), in order."""
    last = until if end is None else min(until, end)
    index = 0 if after is None else _first_index_after(cadence, start, after)
    dates: list[date] = []
    while True:
        try:
            day = occurrence(cadence, start, index)
        except OverflowError:
            return dates
        if day > last:
            return dates
        dates.append(day)
        index += 1


def next_due(cadence: Cadence, start: date, end: date | None, after: date | None) -> date | None:
    """The series' first date later than `after` (`start` when None); None once it has ended."""
    index = 0 if after is None else _first_index_after(cadence, start, after)
    try:
        day = occurrence(cadence, start, index)
    except OverflowError:
        return None
    return None if end is not None and day > end else day


def day_start(day: date, timezone: str) -> datetime:
    """The first instant of `day` in `timezone`, in UTC.

    Where a clock change skips midnight (Santiago, Havana, Beirut have done so), the day starts
    when the clocks jump: fold 0 reads a missing wall time with the offset from before the jump,
    which is that instant. Where midnight comes twice, fold 0 is the first time."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def reminder_day(due: date) -> date:
    """The day a bill reminder is raised: the day before the due date."""
    return due - timedelta(days=1)


def reminder_due(next_due: date | None, reminded_for: date | None, today: date) -> bool:
    """Whether the reminder of the next due date is to be raised today: from the day before it
    (a series created the day before its first date reminds at once), never on the day itself
    (its transaction is written then), and once."""
    return (
        next_due is not None
        and next_due != reminded_for
        and reminder_day(next_due) <= today < next_due
    )


def work_due(next_due: date | None, reminded_for: date | None, today: date, reminds: bool) -> bool:
    """Whether a series has anything to do today: a due date reached, or (for a series that
    `reminds`, an expense) the reminder of the next one."""
    if next_due is None:
        return False
    return next_due <= today or (reminds and reminder_due(next_due, reminded_for, today))
