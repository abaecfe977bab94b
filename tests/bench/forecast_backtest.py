"""`python -m tests.bench.forecast_backtest`: the budget forecast (actors/domain/forecast.py)
backtested on a synthetic multi-year spending dataset, reporting MASE against the seasonal
naive forecast (the same month a year earlier).

The dataset is seeded and made of whole cents: for each user, six categories over five years
of days, with yearly seasons (December gifts and groceries, winter heating, summer travel),
a slow drift, one-off large purchases (a sofa, a laptop, a party), and sparse categories that
see spending in few months. Each month of the last two years is forecast from the months
before it, at its start (`expected`: nothing of the month known yet) and on its 15th
(`project`: what the 1st to the 14th spent is known). MASE divides a series' mean absolute
error by the mean absolute error of the seasonal naive forecast inside its first three years;
the seasonal naive forecast's own MASE over the test months is shown beside it.
"""

from __future__ import annotations

import argparse
import calendar
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from actors.domain.forecast import Method, expected, project
from actors.domain.periods import Period

MONTHLY = Period.MONTHLY
FIRST = date(2021, 1, 1)
YEARS = 5
TEST_FROM = date(2024, 1, 1)  # the last two years are forecast, the first three train


@dataclass(frozen=True)
class Profile:
    """How one category spends: cents per month at its base, a season in percent per month,
    purchases per month, the chance of a month with any, and of a one-off purchase."""

    name: str
    base_cents: int
    season: tuple[int, ...]  # twelve percentages, January first
    purchases: tuple[int, int]
    active: int  # percent of months with any spending
    one_off: int  # percent of months with a one-off purchase
    one_off_times: tuple[int, int]  # its size in base months


FLAT = (100,) * 12
PROFILES = (
    Profile(
        "groceries",
        40_000,
        (95, 92, 98, 100, 100, 98, 97, 98, 100, 102, 105, 135),
        (8, 14),
        100,
        3,
        (2, 4),
    ),
    Profile(
        "heating",
        9_000,
        (190, 170, 130, 90, 55, 35, 30, 30, 45, 90, 140, 185),
        (1, 1),
        100,
        0,
        (0, 0),
    ),
    Profile("dining", 15_000, FLAT, (2, 8), 100, 8, (3, 8)),
    Profile(
        "travel",
        30_000,
        (30, 30, 60, 80, 90, 150, 260, 280, 90, 60, 40, 130),
        (1, 3),
        55,
        4,
        (3, 6),
    ),
    Profile(
        "electronics",
        4_000,
        (90, 80, 80, 80, 80, 80, 80, 80, 90, 100, 160, 200),
        (0, 1),
        20,
        6,
        (15, 40),
    ),
    Profile(
        "gifts", 3_000, (40, 60, 50, 50, 80, 50, 50, 50, 50, 60, 120, 600), (1, 4), 45, 2, (5, 10)
    ),
)


def month_starts(first: date, count: int) -> list[date]:
    starts, day = [], first
    for _ in range(count):
        starts.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return starts


def spending(profile: Profile, rng: random.Random) -> dict[date, Decimal]:
    """One user's days of spending in one category, in cents made Decimal."""
    scale = rng.randint(50, 200)  # this user's level, percent of the profile's
    drift = rng.randint(-8, 12)  # percent per year
    days: dict[date, Decimal] = defaultdict(Decimal)
    for index, start in enumerate(month_starts(FIRST, YEARS * 12)):
        length = calendar.monthrange(start.year, start.month)[1]
        if rng.randint(1, 100) <= profile.active:
            level = profile.base_cents * scale // 100 * profile.season[start.month - 1] // 100
            level = level * (1200 + drift * index) // 1200
            level = level * rng.randint(80, 120) // 100
            count = rng.randint(*profile.purchases)
            for _ in range(count):
                cents = level // count * rng.randint(60, 140) // 100
                days[start + timedelta(days=rng.randrange(length))] += Decimal(cents) / 100
        if rng.randint(1, 100) <= profile.one_off:
            cents = profile.base_cents * scale // 100 * rng.randint(*profile.one_off_times)
            days[start + timedelta(days=rng.randrange(length))] += Decimal(cents) / 100
    return dict(days)


def totals_by_month(days: dict[date, Decimal]) -> dict[date, Decimal]:
    totals = {start: Decimal(0) for start in month_starts(FIRST, YEARS * 12)}
    for day, amount in days.items():
        totals[day.replace(day=1)] += amount
    return totals


@dataclass
class Errors:
    ours_start: list[Decimal]
    ours_mid: list[Decimal]
    naive: list[Decimal]
    methods: dict[Method, int]


def backtest(days: dict[date, Decimal]) -> tuple[Errors, Decimal]:
    """The absolute errors of each forecast over the test months, and the series' scale."""
    totals = totals_by_month(days)
    starts = sorted(totals)
    errors = Errors([], [], [], defaultdict(int))
    for start in starts:
        if start < TEST_FROM:
            continue
        known = {day: total for day, total in totals.items() if day < start}
        actual = totals[start]
        guess = expected(MONTHLY, known, start)
        errors.methods[guess.method] += 1
        errors.ours_start.append(abs(actual - guess.total))
        mid = start.replace(day=15)
        so_far = sum((a for d, a in days.items() if start <= d < mid), Decimal(0))
        outlook = project(MONTHLY, mid, known | {start: so_far})
        errors.ours_mid.append(abs(actual - outlook.projected))
        errors.naive.append(abs(actual - totals[_year_before(start)]))
    training = [s for s in starts if s < TEST_FROM and _year_before(s) in totals]
    scale = Decimal(statistics.mean(abs(totals[s] - totals[_year_before(s)]) for s in training))
    return errors, scale


def _year_before(start: date) -> date:
    return start.replace(year=start.year - 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.forecast_backtest")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    rows: dict[str, list[tuple[Errors, Decimal]]] = defaultdict(list)
    for _ in range(args.users):
        for profile in PROFILES:
            rows[profile.name].append(backtest(spending(profile, rng)))
    print(
        f"{args.users} users x {len(PROFILES)} categories, 2021-2025, months of 2024-2025 forecast"
    )
    header = ("category", "MASE ours@1st", "ours@15th", "seasonal naive", "ratio")
    print("{:<12} {:>14} {:>10} {:>15} {:>6}  methods".format(*header))
    every: list[tuple[Errors, Decimal]] = []
    for name, series in rows.items():
        every += series
        print(_line(name, series))
    print(_line("all", every))


def _line(name: str, series: list[tuple[Errors, Decimal]]) -> str:
    usable = [(e, s) for e, s in series if s > 0]
    start = statistics.mean(statistics.mean(e.ours_start) / s for e, s in usable)
    mid = statistics.mean(statistics.mean(e.ours_mid) / s for e, s in usable)
    naive = statistics.mean(statistics.mean(e.naive) / s for e, s in usable)
    methods: dict[Method, int] = defaultdict(int)
    for errors, _ in series:
        for method, count in errors.methods.items():
            methods[method] += count
    used = ", ".join(f"{m.value} {c}" for m, c in sorted(methods.items()))
    return f"{name:<12} {start:>14.3f} {mid:>10.3f} {naive:>15.3f} {start / naive:>6.2f}  {used}"


if __name__ == "__main__":
    main()
