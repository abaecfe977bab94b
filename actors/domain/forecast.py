"""A budget's spending forecast for its current period, from its own history of totals per
period: robust to one-off purchases (winsorised levels, medians of seasonal deviations), the
same period of earlier years when there are enough of them, the recent periods otherwise, and
the pace inside the current period when the history is short. Known amounts still due (the
expenses of recurring series) count exactly. A projection is never below what is spent."""

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from statistics import median

from actors.domain.money import ZERO, Amount, cents
from actors.domain.periods import (
    Period,
    days_in,
    period_end,
    period_start,
    period_starts,
    years_before,
)
from actors.domain.schedule import due_dates

SEASONAL_YEARS = 3  # earlier years of the same period a seasonal forecast looks at
RECENT = 6  # periods in a level: the trailing window before a period
MIN_SEASONAL_YEARS = 2  # earlier years needed before the season counts
MIN_HISTORY = 3  # periods of history below which the pace inside the period counts
Z = Decimal("1.2816")  # low and high hold about 80% of outcomes
MAD_TO_SIGMA = Decimal("1.4826")
HALF_DAY = Decimal("0.5")  # today counts as half spent: the day is not over


class Method(StrEnum):
    SEASONAL = "seasonal"  # recent level plus the period's deviation in earlier years
    RECENT = "recent"  # the level of the recent periods
    RECENT_AND_PACE = "recent_and_pace"  # a short history blended with the pace so far
    PACE = "pace"  # no history: the pace so far


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A recurring expense series as a forecast reads it: its amount on each due date after
    the last one written as a transaction (`done_through`)."""

    amount: Decimal
    cadence: Period
    starts_on: date
    ends_on: date | None
    done_through: date | None


def due_amounts(series: Iterable[Scheduled], first: date, last: date) -> dict[date, Decimal]:
    """The amounts still to be written by the series, per due date from `first` to `last`."""
    due: dict[date, Decimal] = {}
    for one in series:
        after = one.done_through
        if after is None or after < first - timedelta(days=1):
            after = first - timedelta(days=1)
        for day in due_dates(one.cadence, one.starts_on, one.ends_on, after, last):
            due[day] = due.get(day, ZERO) + one.amount
    return due


@dataclass(frozen=True, slots=True)
class Expected:
    """The variable spending expected over a whole period, and how far it tends to stray."""

    total: Decimal
    spread: Decimal
    method: Method
    periods: int  # periods of history it rests on


NO_HISTORY = Expected(ZERO, ZERO, Method.PACE, 0)


@dataclass(frozen=True, slots=True)
class Forecast:
    today: date
    period_end: date
    spent: Decimal
    due: tuple[tuple[date, Decimal], ...]  # known amounts still to come this period, by day
    per_day: Decimal  # variable spending expected per day from now on
    projected: Decimal
    low: Decimal
    high: Decimal
    method: Method
    periods: int  # periods of history it rests on

    def crossing(self, available: Decimal) -> date | None:
        """The day the spending is expected to go above `available`; None if it is not."""
        if self.projected <= available:
            return None
        if self.spent > available:
            return self.today
        due = dict(self.due)
        total = self.spent + sum((a for d, a in self.due if d < self.today), ZERO)
        day, elapsed = self.today, HALF_DAY
        while day <= self.period_end:
            total_by_day = total + self.per_day * elapsed + due.get(day, ZERO)
            if total_by_day > available:
                return day
            total += due.get(day, ZERO)
            day, elapsed = day + timedelta(days=1), elapsed + 1
        return self.period_end


@functools.lru_cache(maxsize=256)
def first_read(period: Period, day: date) -> date:
    """The first period a forecast for the period holding `day` reads: six periods before the
    same period three years earlier. OverflowError or ValueError near the calendar's start.
    Kept for the few days in use: every budget of every ledger saved asks it (`forget_before`)."""
    first = period_start(period, years_before(period_start(period, day), SEASONAL_YEARS))
    for _ in range(RECENT):
        first = period_start(period, first - timedelta(days=1))
    return first


def history(period: Period, spent: Mapping[date, Decimal], current: date) -> dict[date, Decimal]:
    """The totals of every period from the first with any spending to the one before
    `current`'s, periods without spending as zero. Periods before `first_read` do not count:
    a ledger that has forgotten them forecasts as one that has not."""
    start = period_start(period, current)
    try:
        oldest = first_read(period, current)
    except (OverflowError, ValueError):
        oldest = date.min
    earlier = [day for day in spent if oldest <= day < start]
    if not earlier:
        return {}
    return {day: spent.get(day, ZERO) for day in period_starts(period, min(earlier), start)}


def expected(period: Period, totals: Mapping[date, Decimal], start: date) -> Expected:
    """The spending expected over the whole period starting on `start`, from the totals of the
    periods before it (`history`)."""
    before = [totals[day] for day in sorted(totals) if day < start]
    if not before:
        return NO_HISTORY
    level, spread = _level(before[-RECENT:])
    if len(before) < MIN_HISTORY:
        return Expected(level, spread, Method.RECENT_AND_PACE, len(before))
    deviations = _seasonal_deviations(period, totals, start)
    if len(deviations) >= MIN_SEASONAL_YEARS:
        total = max(level + _agreed(deviations), ZERO)
        return Expected(total, spread, Method.SEASONAL, len(before))
    return Expected(level, spread, Method.RECENT, len(before))


def project(
    period: Period,
    today: date,
    spent: Mapping[date, Decimal],
    due: Mapping[date, Decimal] | None = None,
    recurring: Mapping[date, Decimal] | None = None,
) -> Forecast:
    """The forecast for the period holding `today`, from `spent` (totals per period start, the
    current one included), `due` (known amounts not yet spent, by day; those in the period
    count, exactly) and `recurring` (the part of `spent` that recurring series wrote, per
    period start: the variable spending that the history forecasts is the rest)."""
    start = period_start(period, today)
    variable = variable_spending(spent, recurring or {})
    guess = expected(period, history(period, variable, today), start)
    return finish(guess, period, today, spent.get(start, ZERO), variable.get(start, ZERO), due)


def variable_spending(
    spent: Mapping[date, Amount], recurring: Mapping[date, Amount]
) -> dict[date, Amount]:
    """What was spent per period apart from what recurring series wrote (Decimal amounts or
    integer cents, the answer in the same unit)."""
    return {day: total - recurring.get(day, 0) for day, total in spent.items()}


def finish(
    guess: Expected,
    period: Period,
    today: date,
    now: Decimal,
    so_far: Decimal,
    due: Mapping[date, Decimal] | None = None,
) -> Forecast:
    """The forecast for the period holding `today` from what its history makes of it
    (`guess`), what is spent in it (`now`, of which `so_far` is variable), and `due`."""
    start, end = period_start(period, today), period_end(period, today)
    later = tuple(sorted((d, a) for d, a in (due or {}).items() if start <= d <= end))
    days = Decimal(days_in(period, today))
    elapsed = Decimal((today - start).days) + HALF_DAY
    left = days - elapsed
    share = left / days
    # Half as if spending were spread evenly over the period (a large purchase this period
    # says nothing of the days left), half as if the period's total were the usual one
    # (a monthly bill already paid is not expected again): in the backtest each assumption
    # alone misses more than the two together.
    rest = (guess.total * share + max(guess.total - so_far, ZERO)) / 2
    spread = guess.spread * share.sqrt()
    if guess.method in (Method.PACE, Method.RECENT_AND_PACE):
        pace = max(so_far, ZERO) / elapsed * left
        weight = elapsed / days if guess.method is Method.RECENT_AND_PACE else Decimal(1)
        spread = max(spread, abs(pace - rest) / 2, pace / 2 * weight)
        rest = weight * pace + (1 - weight) * rest
    known = now + sum((a for _, a in later), ZERO)
    projected = max(cents(known + rest), cents(now))
    return Forecast(
        today=today,
        period_end=end,
        spent=cents(now),
        due=later,
        per_day=rest / left if left > 0 else ZERO,
        projected=projected,
        low=max(cents(known + max(rest - Z * spread, ZERO)), cents(now)),
        high=max(cents(known + rest + Z * spread), projected),
        method=guess.method,
        periods=guess.periods,
    )


def _level(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    """A winsorised mean (the largest and smallest value pulled in to their neighbours: one
    large purchase does not move it), the median of three, and a robust spread (the median
    absolute deviation, scaled to a standard deviation)."""
    ordered = sorted(values)
    middle = median(values)
    if len(ordered) >= 4:
        ordered[0], ordered[-1] = ordered[1], ordered[-2]
    mean = middle if len(ordered) == 3 else sum(ordered, ZERO) / len(ordered)
    spread = MAD_TO_SIGMA * median([abs(v - middle) for v in values])
    return mean, spread


def _seasonal_deviations(
    period: Period, totals: Mapping[date, Decimal], start: date
) -> list[Decimal]:
    """For each earlier year with the same period and enough periods before it: how far that
    period stood from the level of the periods before it."""
    deviations = []
    for years in range(1, SEASONAL_YEARS + 1):
        same = period_start(period, years_before(start, years))
        if same not in totals:
            continue
        window = [totals[day] for day in sorted(totals) if day < same][-RECENT:]
        if len(window) >= MIN_HISTORY:
            deviations.append(totals[same] - _level(window)[0])
    return deviations


def _agreed(deviations: list[Decimal]) -> Decimal:
    """The deviation the years agree on: their median from three years on; with two, the
    smaller when both go the same way and none when they disagree, so that one year's one-off
    purchase does not count as a season."""
    if len(deviations) >= 3:
        return Decimal(median(deviations))
    first, second = deviations
    if first * second <= 0:
        return ZERO
    return min(first, second, key=abs)
