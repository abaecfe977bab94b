"""The ledger's rollover and forecasts: what a budget carries and has available, thresholds
measured against it, the early warning raised once per budget and period, and the bounded
history that forecasts read."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from msgspec.structs import replace

from actors.domain import snapshots
from actors.domain.events import Event, Topic
from actors.domain.forecast import Scheduled
from actors.domain.ledger import BudgetPosition, BudgetStatus, Entry, EntryType, Ledger
from actors.domain.periods import Period, period_start
from tests.unit.ledger_events import NOW, TODAY, Stream, alerts, feed, told

D = Decimal
FOOD = uuid4()
MAY_DAY = date(2024, 5, 20)


def rolling(kind: str = "surplus", limit: str = "100.00") -> tuple[Stream, Ledger]:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.budget(FOOD, limit, rollover=kind, starts_on="2024-04-01"))
    return stream, ledger


def position(ledger: Ledger, day: date = TODAY) -> BudgetPosition:
    return ledger.budget_position(ledger.budgets[FOOD], day)


def forecast_alerts(raised: list[Event]) -> list[Event]:
    return [a for a in raised if a.type is Topic.BUDGET_FORECAST_EXCEEDED]


# -- rollover


def test_a_budget_shows_what_earlier_periods_carry_and_what_is_available() -> None:
    stream, ledger = rolling()
    feed(ledger, stream.expense("70.00", day=date(2024, 4, 3)))  # April leaves 30
    feed(ledger, stream.expense("60.00", day=MAY_DAY))  # May has 130, leaves 70
    june = position(ledger)
    assert (june.carried, june.available, june.remaining) == (D("70.00"), D("170.00"), D("170.00"))
    assert june.starts_on == date(2024, 4, 1) and june.rollover.value == "surplus"


def test_a_backdated_edit_moves_what_is_carried_at_once() -> None:
    stream, ledger = rolling("surplus_and_deficit")
    may = stream.expense("60.00", day=MAY_DAY)
    feed(ledger, may)
    assert position(ledger).carried == D("140.00")  # April 100 + May 40
    feed(ledger, stream.update(may, amount="260.00"))
    assert position(ledger).carried == D("-60.00")
    feed(ledger, stream.update(may, day=TODAY))  # moved into June: April and May carry 200
    assert (position(ledger).carried, position(ledger).spent) == (D("200.00"), D("260.00"))


def test_thresholds_and_status_are_measured_against_what_is_available() -> None:
    stream, ledger = rolling()
    feed(ledger, stream.expense("50.00", day=MAY_DAY))  # 250 available in June
    raised = feed(ledger, stream.expense("150.00"))
    assert alerts(raised) == []  # 150 of 250 is 60%
    assert position(ledger).status is BudgetStatus.OK
    raised = feed(ledger, stream.expense("60.00"))
    assert alerts(raised) == [("budget_warning", 80, "2024-06-01")]
    assert told(raised[0])["available"] == "250.00" and told(raised[0])["carried"] == "150.00"


def test_spending_more_in_an_earlier_period_can_exceed_the_current_one() -> None:
    stream, ledger = rolling("surplus_and_deficit")
    feed(ledger, stream.expense("250.00"))  # June: 300 available (April and May unspent)
    raised = feed(ledger, stream.expense("100.00", day=MAY_DAY))  # now 200 available
    assert ("budget_exceeded", 100, "2024-06-01") in alerts(raised)


def test_without_rollover_nothing_is_carried() -> None:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.budget(FOOD, "100.00"), stream.expense("10.00", day=MAY_DAY))
    june = position(ledger)
    assert (june.carried, june.available) == (D("0.00"), D("100.00"))
    assert june.starts_on == date(2024, 6, 1)  # the current period, by default


# -- the early warning


def with_history(limit: str, monthly: str = "300.00", months: int = 6) -> tuple[Stream, Ledger]:
    """A monthly food budget after `months` months of `monthly` spending."""
    stream = Stream()
    ledger = stream.ledger()
    day = TODAY.replace(day=1)
    for _ in range(months):
        day = period_start(Period.MONTHLY, day - timedelta(days=1))
        feed(ledger, stream.expense(monthly, day=day + timedelta(days=9)))
    feed(ledger, stream.budget(FOOD, limit))
    return stream, ledger


def test_the_early_warning_is_raised_once_when_the_forecast_goes_above_the_limit() -> None:
    stream, ledger = with_history("400.00")
    # 12 June: 18.5 days of 30 remain, 185 at the usual pace; the usual month is 300, so
    # the expected rest is the mean of 185 and what 300 leaves.
    assert forecast_alerts(feed(ledger, stream.expense("100.00"))) == []  # 100 + 192.5
    [warning] = forecast_alerts(feed(ledger, stream.expense("250.00")))  # 350 + 92.5 > 400
    assert told(warning)["projected_spent"] == "442.50"
    assert told(warning)["spent"] == "350.00"
    assert told(warning)["method"] == "recent"
    assert told(warning)["crossing_day"] == "2024-06-22"  # 5 a day from mid-12 June
    assert told(warning)["period_start"] == "2024-06-01"
    assert warning.occurred_at == NOW
    assert forecast_alerts(feed(ledger, stream.expense("10.00"))) == []  # once


def test_the_early_warning_is_re_armed_when_the_forecast_falls_back() -> None:
    stream, ledger = with_history("400.00")
    big = stream.expense("350.00")
    assert len(forecast_alerts(feed(ledger, big))) == 1
    feed(ledger, stream.delete(big))
    assert len(forecast_alerts(feed(ledger, stream.expense("350.00")))) == 1


def test_no_early_warning_once_the_limit_is_already_reached() -> None:
    stream, ledger = with_history("400.00")
    raised = feed(ledger, stream.expense("450.00"))
    assert forecast_alerts(raised) == []
    assert alerts(raised) == [("budget_exceeded", 100, "2024-06-01")]


def test_no_early_warning_from_the_pace_of_a_budget_without_history() -> None:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.budget(FOOD, "400.00"))
    assert forecast_alerts(feed(ledger, stream.expense("390.00"))) == []


def test_the_early_warning_survives_a_snapshot_and_is_not_raised_again() -> None:
    stream, ledger = with_history("400.00")
    assert len(forecast_alerts(feed(ledger, stream.expense("350.00")))) == 1
    again = snapshots.load(ledger.user_id, snapshots.dump(ledger))
    assert forecast_alerts(feed(again, stream.expense("1.00"))) == []
    assert again.budgets[FOOD].foreseen == (date(2024, 6, 1),)


def test_a_lower_limit_can_raise_the_early_warning() -> None:
    stream, ledger = with_history("1000.00")
    feed(ledger, stream.expense("200.00"))
    raised = feed(ledger, stream.budget(FOOD, "300.00"))
    assert [told(a)["projected_spent"] for a in forecast_alerts(raised)] == ["342.50"]


def test_the_forecast_uses_the_users_date_of_the_change() -> None:
    stream, ledger = with_history("400.00")
    # On 29 June 380 spent leaves 1.5 days: 387.50 expected, no warning (on the 12th, one).
    event = stream.expense("380.00", day=date(2024, 6, 29))
    late = Event(event.type, event.user_id, NOW, replace(event.payload, today=date(2024, 6, 29)))
    assert forecast_alerts(feed(ledger, late)) == []
    assert ledger.budget_forecast(ledger.budgets[FOOD], date(2024, 6, 29)).projected_spent == D(
        "387.50"
    )


# -- bounded history


def test_the_ledger_keeps_only_the_periods_forecasts_read() -> None:
    stream = Stream()
    ledger = stream.ledger()
    day = date(2014, 1, 15)
    while day < TODAY:
        feed(ledger, stream.expense("10.00", day=day))
        day += timedelta(days=30)
    feed(ledger, stream.budget(FOOD, "100.00"))
    assert min(ledger.budgets[FOOD].spent) == date(2014, 1, 1)  # until the ledger is saved
    ledger.forget_before(TODAY)
    kept = ledger.budgets[FOOD].spent
    # Three earlier years and the six months before the oldest of them, plus this month.
    assert min(kept) == date(2020, 12, 1)
    assert len(kept) <= 3 * 12 + 6 + 1
    assert ledger.budget_forecast(ledger.budgets[FOOD], TODAY).method.value == "seasonal"


def test_a_rollover_budget_keeps_every_period_since_it_starts() -> None:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.expense("10.00", day=date(2015, 3, 3)))
    feed(
        ledger,
        stream.budget(FOOD, "100.00", rollover="surplus", starts_on="2015-01-01"),
    )
    ledger.forget_before(TODAY)
    assert date(2015, 3, 1) in ledger.budgets[FOOD].spent
    assert position(ledger).carried == D("100.00") * (12 * 9 + 5) - D("10.00")


def test_old_events_without_the_users_date_use_the_day_of_the_change() -> None:
    stream, ledger = with_history("400.00")
    event = stream.expense("350.00")
    old = Event(
        event.type,
        event.user_id,
        datetime(2024, 6, 12, 9, tzinfo=NOW.tzinfo),
        replace(event.payload, today=None),
    )
    [warning] = forecast_alerts(feed(ledger, old))
    assert told(warning)["forecast_day"] == "2024-06-12"


# -- recurring expenses


def test_a_recurring_series_counts_exactly_in_the_forecast_and_the_early_warning() -> None:
    stream = Stream()
    ledger = stream.ledger()
    day, rents = TODAY.replace(day=1), []
    for _ in range(6):  # each month: 900 of rent written by its series, 100 of the rest
        day = period_start(Period.MONTHLY, day - timedelta(days=1))
        rent = Entry(
            D("900.00"),
            EntryType.EXPENSE,
            "home",
            day.replace(day=30 if day.month != 2 else 29),
            recurring=True,
        )
        rents.append(stream.create(rent))
        feed(ledger, rents[-1], stream.expense("100.00", "home", day=day))
    feed(ledger, stream.budget(FOOD, "1050.00", category="home"))
    budget = ledger.budgets[FOOD]
    assert budget.recurring[date(2024, 5, 1)] == 900_00
    series = [Scheduled(D("900.00"), Period.MONTHLY, date(2023, 12, 30), None, date(2024, 5, 30))]
    # 12 June, 40 of the rest spent: 900 of rent still due on the 30th, about 100 - 40 else.
    feed(ledger, stream.expense("40.00", "home"))
    outlook = ledger.budget_forecast(budget, TODAY, series)
    assert D("995") <= outlook.projected_spent <= D("1005")
    assert outlook.crossing_day is None and outlook.projected_status is BudgetStatus.WARNING
    # Without the series, the ledger expects only the rest.
    assert ledger.budget_forecast(budget, TODAY).projected_spent < D("150")
    # Spending more of the rest now crosses the limit once the rent is counted.
    ledger.schedule = {"home": series}
    [warning] = forecast_alerts(feed(ledger, stream.expense("80.00", "home")))
    assert told(warning)["crossing_day"] == "2024-06-30"
    assert D(told(warning)["projected_spent"]) > D("1050")
    # A recurring transaction moved or deleted leaves the split of spending right.
    feed(ledger, stream.delete(rents[0]))
    assert sum(budget.recurring.values()) == 4500_00


def test_a_ledger_that_forgot_old_periods_forecasts_as_one_that_did_not() -> None:
    stream = Stream()
    ledger = stream.ledger()
    feed(ledger, stream.expense("500.00", day=date(2015, 6, 1)), stream.budget(FOOD, "50.00"))
    feed(ledger, stream.expense("40.00"))
    before = ledger.budget_forecast(ledger.budgets[FOOD], TODAY)
    ledger.forget_before(TODAY)
    assert ledger.budgets[FOOD].spent == {date(2024, 6, 1): 40_00}
    assert ledger.budget_forecast(ledger.budgets[FOOD], TODAY) == before
    assert before.method.value == "pace"
