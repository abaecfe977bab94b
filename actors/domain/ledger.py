"""One user's ledger: budgets with their spending per period, goals with their savings, and the
alerts that changes to them raise, each once per budget, period and threshold.
Next: the shard saves the ledger and stages its alerts (adapters/ledger_store.py)."""

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID, uuid5

import msgspec

from actors.domain import forecast
from actors.domain.events import Event, Topic
from actors.domain.forecast import Expected, Forecast, Scheduled
from actors.domain.money import ZERO, Amount, cents, from_cents, percent_of, reaches, to_cents
from actors.domain.payloads import (
    Alert,
    BudgetChanged,
    BudgetCrossed,
    BudgetExceeded,
    BudgetForecastExceeded,
    BudgetNotice,
    DecimalText,
    Entry,
    EntryType,
    GoalAchieved,
    GoalChanged,
    LedgerEvent,
    TransactionCreated,
    TransactionDeleted,
    TransactionUpdated,
)
from actors.domain.periods import Period, months_left, period_end, period_start
from actors.domain.rollover import Rollover, carried

# The alerts that the same events applied to the same state raise again the same: a shard may
# stage them ahead of its checkpoint. The early warning also reads the user's recurring series
# and the day, so it is staged with the checkpoint that records it as told.
FROM_EVENTS_ALONE = frozenset({Topic.BUDGET_WARNING, Topic.BUDGET_EXCEEDED, Topic.GOAL_ACHIEVED})
EXCEEDED_AT = 100  # thresholds at or above this raise budget_exceeded, below it budget_warning
DEFAULT_THRESHOLDS = (80, 100)

# Topics whose events change a ledger; each carries the user's ledger `sequence` number.
LEDGER_TOPICS = (
    Topic.TRANSACTION_CREATED,
    Topic.TRANSACTION_UPDATED,
    Topic.TRANSACTION_DELETED,
    Topic.BUDGET_CHANGED,
    Topic.GOAL_CHANGED,
)


class BudgetStatus(StrEnum):
    """Where a budget's spending stands against its warning thresholds and its limit."""

    OK = "ok"
    WARNING = "warning"
    EXCEEDED = "exceeded"


class Budget(msgspec.Struct, array_like=True, gc=False, omit_defaults=True):
    """A budget, in integer cents, as it is kept in memory and in its ledger's snapshot: a
    compact struct that the garbage collector does not track (it holds no cycle)."""

    id: UUID
    category: str
    period: Period
    limit: int
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    # Spending in the budget's category per period start (only periods with any), kept for
    # the periods that forecasts and rollover read (see `keeps_from`).
    spent: dict[date, int] = {}
    # Thresholds already alerted, per period start: each fires once until spending falls below.
    fired: dict[date, tuple[int, ...]] = {}
    # The part of `spent` that recurring series wrote, per period start (only periods with any).
    recurring: dict[date, int] = {}
    rollover: Rollover = Rollover.NONE
    starts_on: date | None = None  # the first day of the first period counted for rollover
    # Period starts whose forecast went above what is available and was told: once each,
    # until the forecast falls back.
    foreseen: tuple[date, ...] = ()

    def same_scope(self, other: "Budget") -> bool:
        return (self.category, self.period) == (other.category, other.period)

    def carried(self, day: date) -> int:
        """What earlier periods carry into the period holding `day`, in cents."""
        if self.starts_on is None:
            return 0
        return carried(self.rollover, self.period, self.limit, self.spent, self.starts_on, day)

    def available(self, day: date) -> int:
        return self.limit + self.carried(day)

    def outlook(self, today: date, series: Sequence[Scheduled], guess: Expected) -> Forecast:
        """The forecast of the period holding `today`, the series' amounts still due counted;
        `guess`: what `expected` says of it."""
        first, last = period_start(self.period, today), period_end(self.period, today)
        due = forecast.due_amounts(series, first, last) if series else None
        now = self.spent.get(first, 0)
        so_far = now - self.recurring.get(first, 0)
        return forecast.finish(guess, self.period, today, from_cents(now), from_cents(so_far), due)

    def expected(self, today: date) -> Expected:
        """What the history makes of the period holding `today`."""
        first = period_start(self.period, today)
        if all(start >= first for start in self.spent):
            return forecast.NO_HISTORY  # what the history of no earlier period makes of it
        variable = forecast.variable_spending(self.spent, self.recurring)
        in_decimal = {start: from_cents(total) for start, total in variable.items()}
        history = forecast.history(self.period, in_decimal, today)
        return forecast.expected(self.period, history, first)

    def may_foresee(
        self, today: date, available: int, series: Sequence[Scheduled], guess: Expected
    ) -> bool:
        """False when no forecast of the current period can warn: too little history
        (`guess`: what `expected` says), the limit already reached, or even the whole usual
        total on top would stay within it. Cheaper than the forecast, which most changes then
        need not make."""
        first = period_start(self.period, today)
        now = self.spent.get(first, 0)
        if guess.periods < forecast.MIN_HISTORY or now >= available:
            return False
        due = sum(
            forecast.due_amounts(series, first, period_end(self.period, today)).values(), ZERO
        )
        so_far = from_cents(now - self.recurring.get(first, 0))
        # The rest of a period is at most the mean of the usual total and what it leaves.
        rest = (guess.total + max(guess.total - so_far, ZERO)) / 2 + forecast.Z * guess.spread
        return from_cents(now) + due + rest > from_cents(available)

    def keeps_from(self, today: date) -> date:
        """The first period start whose spending is kept: the periods the forecast of the
        current period reads (its level and those of the same periods of earlier years), and
        for rollover every period since the budget starts."""
        first = forecast.first_read(self.period, today)
        if self.rollover is not Rollover.NONE and self.starts_on is not None:
            first = min(first, period_start(self.period, self.starts_on))
        return first

    def forget_before(self, today: date) -> None:
        """Drop the spending and alerts of periods no longer read: the history stays bounded."""
        if not (self.spent or self.fired or self.recurring or self.foreseen):
            return
        try:
            first = self.keeps_from(today)
        except (OverflowError, ValueError):  # at the edge of the calendar: keep everything
            return
        # Asked for every budget of every ledger saved, and rarely with anything to drop: the
        # oldest start found in C first.
        for kept in (self.spent, self.fired, self.recurring):
            if kept and min(kept) < first:
                for start in [s for s in kept if s < first]:
                    del kept[start]
        if self.foreseen and min(self.foreseen) < first:
            self.foreseen = tuple(s for s in self.foreseen if s >= first)


class Goal(msgspec.Struct, array_like=True, gc=False):
    """A goal, in integer cents, as it is kept in memory and in its ledger's snapshot."""

    id: UUID
    name: str
    target: int
    deadline: date | None = None
    saved: int = 0
    # When the target was reached, as the event said it (its offset kept, which MessagePack's
    # timestamps would not keep).
    achieved: str | None = None

    @property
    def achieved_at(self) -> datetime | None:
        return datetime.fromisoformat(self.achieved) if self.achieved else None

    @achieved_at.setter
    def achieved_at(self, moment: datetime | None) -> None:
        self.achieved = moment.isoformat() if moment else None


@dataclass(frozen=True, slots=True)
class BudgetPosition:
    """A budget and where it stands in one period: flat, so that it travels light."""

    id: UUID
    category: str
    period: Period
    limit: Decimal
    alert_thresholds: tuple[int, ...]
    period_start: date
    period_end: date
    spent: Decimal
    remaining: Decimal
    percent: Decimal
    status: BudgetStatus
    rollover: Rollover
    starts_on: date | None
    carried: Decimal
    available: Decimal


@dataclass(frozen=True, slots=True)
class BudgetForecast:
    """A budget's forecast for the period holding a day, against what is available in it."""

    budget_id: UUID
    category: str
    period: Period
    period_start: date
    period_end: date
    available: Decimal
    spent: Decimal
    projected_spent: Decimal
    low: Decimal
    high: Decimal
    projected_status: BudgetStatus
    crossing_day: date | None
    method: forecast.Method


@dataclass(frozen=True, slots=True)
class GoalPosition:
    id: UUID
    name: str
    target_amount: Decimal
    deadline: date | None
    saved: Decimal
    achieved_at: datetime | None
    remaining: Decimal
    percent: Decimal
    monthly_needed: Decimal | None


@dataclass(slots=True)
class Ledger:
    """Spending is kept per budget, for the budget's category and period only: memory follows
    the budgets a user has, not the categories they spend in. A budget's past spending comes
    with its `budget_changed` event, summed in the same database transaction that numbered it,
    so it is exactly the spending of the events before it in the user's sequence."""

    user_id: UUID
    sequence: int = 0  # the number of the last event applied
    budgets: dict[UUID, Budget] = field(default_factory=dict)
    goals: dict[UUID, Goal] = field(default_factory=dict)
    # Events that arrived ahead of a gap in the sequence (the topics are consumed side by side),
    # held until the missing one arrives so that every ledger sees its events in commit order.
    pending: dict[int, LedgerEvent] = field(default_factory=dict)
    # Numbers to step over when the sequence reaches them: their events failed to apply.
    # A tuple, not a set: most ledgers have none, and an empty set costs 216 bytes each.
    skipped: tuple[int, ...] = ()
    # The user's recurring expenses per category, handed in by the shard for the window being
    # applied (not saved): what the early warning counts as still to come.
    schedule: Mapping[str, Sequence[Scheduled]] | None = None
    # What the history makes of the current period, per budget, with that period's start (not
    # saved): it changes only when an earlier period's spending does, and most changes are to
    # the current period.
    expecting: dict[UUID, tuple[date, Expected]] | None = field(
        default=None, compare=False, repr=False
    )

    def accept(self, event: LedgerEvent) -> list[Event[Alert]]:
        """Apply an event in sequence order; return the alerts raised. Replays are ignored.

        Raises ApplyFailed if applying an event raised: the ledger may then be half changed,
        and its owner starts again from its last saved state, stepping over that number."""
        if event.type not in LEDGER_TOPICS:
            raise ValueError(f"a ledger does not take {event.type} events")
        number = event.payload.sequence
        if number <= self.sequence or number in self.pending or number in self.skipped:
            return []
        self.pending[number] = event
        return self._catch_up()

    def forget_before(self, today: date) -> None:
        """Drop what no forecast or rollover will read again (see `Budget.keeps_from`): done
        when the ledger is saved, with a date that may be a day off the user's own."""
        for budget in self.budgets.values():
            budget.forget_before(today)

    def skip(self, number: int) -> list[Event[Alert]]:
        """Count `number` as applied without applying its event, which failed to apply: the
        events after it still count, instead of waiting for it for ever. Returns the alerts of
        the held events that this lets through (ApplyFailed as `accept`)."""
        if number <= self.sequence:
            return []
        self.pending.pop(number, None)
        self.skipped = (*self.skipped, number)
        return self._catch_up()

    def _catch_up(self) -> list[Event[Alert]]:
        """Apply the held events that are next in sequence, stepping over skipped numbers."""
        raised: list[Event[Alert]] = []
        while True:
            following = self.sequence + 1
            if following in self.skipped:
                self.skipped = tuple(n for n in self.skipped if n != following)
            elif (ready := self.pending.pop(following, None)) is not None:
                try:
                    raised += _numbered(self.user_id, following, self._apply(ready))
                except Exception as error:
                    raise ApplyFailed(ready, error) from error
            else:
                return raised
            self.sequence = following

    def _apply(self, event: LedgerEvent) -> list[Event[Alert]]:
        match event.payload:
            case TransactionCreated() as created:
                return self._move(event, [], [created.entry()])
            case TransactionUpdated(old=old, new=new):
                return self._move(event, [old.entry()], [new.entry()])
            case TransactionDeleted(old=old):
                return self._move(event, [old.entry()], [])
            case BudgetChanged() as change:
                return self._change_budget(event, change)
            case GoalChanged() as change:
                return self._change_goal(event, change)
        raise ValueError(f"a ledger does not take {event.type} events")

    # -- transactions

    def _move(
        self, cause: LedgerEvent, removed: list[Entry], added: list[Entry]
    ) -> list[Event[Alert]]:
        change: dict[tuple[UUID, date], int] = {}
        goals: set[UUID] = set()
        for entry, sign in [(e, -1) for e in removed] + [(e, 1) for e in added]:
            amount = sign * to_cents(entry.amount)
            if entry.type is EntryType.EXPENSE:
                for budget in self.budgets.values():
                    if budget.category == entry.category:
                        start = period_start(budget.period, entry.day)
                        _add(budget.spent, start, amount)
                        self._history_moved(budget.id, start)
                        if entry.recurring:
                            _add(budget.recurring, start, amount)
                        key = (budget.id, start)
                        change[key] = change.get(key, 0) + amount
            if entry.goal_id in self.goals:
                goal = self.goals[entry.goal_id]
                toward = 1 if entry.type is EntryType.INCOME else -1
                goal.saved += toward * amount
                goals.add(goal.id)
        raised: list[Event[Alert]] = []
        for (budget_id, start), delta in change.items():
            # Only more spending alerts; less spending only re-arms.
            raised += self._check_budget(self.budgets[budget_id], start, cause, may_fire=delta > 0)
        today = _today(cause)
        for budget_id in {budget_id for budget_id, _ in change}:
            budget = self.budgets[budget_id]
            current = period_start(budget.period, today)
            if budget.rollover is not Rollover.NONE and (budget_id, current) not in change:
                # An earlier period's spending moved what this one has available.
                raised += self._check_budget(budget, current, cause, may_fire=True)
            raised += self._foresee(budget, today, cause)
        for goal_id in goals:
            raised += self._check_goal(self.goals[goal_id], cause)
        return raised

    # -- budgets

    def _change_budget(self, cause: LedgerEvent, change: BudgetChanged) -> list[Event[Alert]]:
        budget_id, budget, today = change.budget_id, _budget(change), change.local_date
        previous = self.budgets.pop(budget_id, None)
        if self.expecting:
            self.expecting.pop(budget_id, None)
        if budget is None:
            return []
        if previous is not None and previous.same_scope(budget):
            # A threshold added below one already alerted is old news, not a new alert.
            budget.fired = {
                start: tuple(t for t in budget.thresholds if t <= max(fired))
                for start, fired in previous.fired.items()
            }
        self.budgets[budget_id] = budget
        # A new limit re-arms or fires in the current period; earlier periods are only re-armed.
        current = period_start(budget.period, today)
        raised: list[Event[Alert]] = []
        for start in {*budget.fired, current}:
            raised += self._check_budget(budget, start, cause, may_fire=start == current)
        if previous is not None and previous.same_scope(budget):
            budget.foreseen = previous.foreseen
        raised += self._foresee(budget, today, cause)
        return raised

    def _check_budget(
        self, budget: Budget, start: date, cause: Event, *, may_fire: bool
    ) -> list[Event[Alert]]:
        spent = budget.spent.get(start, 0)
        available = budget.available(start)
        reached = tuple(t for t in budget.thresholds if reaches(spent, available, t))
        already = budget.fired.get(start, ())
        if not may_fire:
            reached = tuple(t for t in reached if t in already)
        if reached:
            budget.fired[start] = reached
        else:
            budget.fired.pop(start, None)
        fresh = [t for t in reached if t not in already]
        if not fresh:
            return []
        # One alert for the most severe threshold newly reached: a single expense that jumps
        # from 50 to 120 percent says "exceeded" once, not "warning" and "exceeded" together.
        threshold = max(fresh)
        return [self._budget_alert(budget, start, spent, threshold, cause)]

    def _budget_alert(
        self, budget: Budget, start: date, spent: int, threshold: int, cause: Event
    ) -> Event[Alert]:
        available = budget.available(start)
        crossed = {
            "spent": _amount_text(spent),
            "percent": DecimalText(percent_of(from_cents(spent), from_cents(available))),
            "threshold": threshold,
        }
        if threshold < EXCEEDED_AT:
            warning = _budget_notice(BudgetCrossed, budget, start, available, **crossed)
            return Event(Topic.BUDGET_WARNING, self.user_id, cause.occurred_at, warning)
        overage = _amount_text(max(spent - available, 0))
        exceeded = _budget_notice(
            BudgetExceeded, budget, start, available, **crossed, overage=overage
        )
        return Event(Topic.BUDGET_EXCEEDED, self.user_id, cause.occurred_at, exceeded)

    def _foresee(self, budget: Budget, today: date, cause: Event) -> list[Event[Alert]]:
        """`budget_forecast_exceeded` when the forecast of the current period first goes above
        what is available while the spending is still below it; once per budget and period,
        until the forecast falls back. Only a forecast resting on a history says so: the pace
        of the first days alone is no warning."""
        current = period_start(budget.period, today)
        in_cents = budget.available(current)
        series = (self.schedule or {}).get(budget.category, ())
        guess = self._expected(budget, today)
        if current not in budget.foreseen and not budget.may_foresee(
            today, in_cents, series, guess
        ):
            return []
        outlook = budget.outlook(today, series, guess)
        available = from_cents(in_cents)
        if outlook.projected <= available:
            budget.foreseen = tuple(s for s in budget.foreseen if s != current)
            return []
        if (
            outlook.spent >= available
            or outlook.periods < forecast.MIN_HISTORY
            or current in budget.foreseen
        ):
            return []
        budget.foreseen = (*budget.foreseen, current)
        alert = _budget_notice(
            BudgetForecastExceeded,
            budget,
            current,
            in_cents,
            spent=DecimalText(outlook.spent),
            projected_spent=DecimalText(outlook.projected),
            low=DecimalText(outlook.low),
            high=DecimalText(outlook.high),
            method=outlook.method,
            crossing_day=outlook.crossing(available),
            forecast_day=today,
        )
        return [Event(Topic.BUDGET_FORECAST_EXCEEDED, self.user_id, cause.occurred_at, alert)]

    def _expected(self, budget: Budget, today: date) -> Expected:
        """What the history makes of the period holding `today`, kept until it changes."""
        first = period_start(budget.period, today)
        known = self.expecting.get(budget.id) if self.expecting else None
        if known is not None and known[0] == first:
            return known[1]
        guess = budget.expected(today)
        if self.expecting is None:
            self.expecting = {}
        self.expecting[budget.id] = (first, guess)
        return guess

    def _history_moved(self, budget_id: UUID, start: date) -> None:
        """Forget what the history made of the current period if `start` is before it."""
        known = self.expecting.get(budget_id) if self.expecting else None
        if known is not None and start < known[0]:
            del self.expecting[budget_id]  # type: ignore[union-attr]

    def budget_position(self, budget: Budget, day: date) -> BudgetPosition:
        start = period_start(budget.period, day)
        spent = budget.spent.get(start, 0)
        available = budget.available(day)
        return BudgetPosition(
            id=budget.id,
            category=budget.category,
            period=budget.period,
            limit=from_cents(budget.limit),
            alert_thresholds=budget.thresholds,
            period_start=start,
            period_end=period_end(budget.period, day),
            spent=from_cents(spent),
            remaining=from_cents(available - spent),
            percent=percent_of(from_cents(spent), from_cents(available)),
            status=status_of(spent, available, budget.thresholds),
            rollover=budget.rollover,
            starts_on=budget.starts_on,
            carried=from_cents(available - budget.limit),
            available=from_cents(available),
        )

    def budget_forecast(
        self, budget: Budget, today: date, series: Sequence[Scheduled] = ()
    ) -> BudgetForecast:
        """The forecast of the period holding `today`; `series`: the recurring expenses of the
        budget's category, whose amounts still due in the period count exactly."""
        available = from_cents(budget.available(today))
        outlook = budget.outlook(today, series, self._expected(budget, today))
        return BudgetForecast(
            budget_id=budget.id,
            category=budget.category,
            period=budget.period,
            period_start=period_start(budget.period, today),
            period_end=outlook.period_end,
            available=available,
            spent=outlook.spent,
            projected_spent=outlook.projected,
            low=outlook.low,
            high=outlook.high,
            projected_status=status_of(outlook.projected, available, budget.thresholds),
            crossing_day=outlook.crossing(available),
            method=outlook.method,
        )

    # -- goals

    def _change_goal(self, cause: LedgerEvent, change: GoalChanged) -> list[Event[Alert]]:
        goal_id, definition = change.goal_id, change.goal
        if definition is None:
            self.goals.pop(goal_id, None)
            return []
        goal = self.goals.setdefault(goal_id, Goal(goal_id, "", 0))
        goal.name, goal.target, goal.deadline = (
            definition.name,
            to_cents(definition.target_amount),
            definition.deadline,
        )
        return self._check_goal(goal, cause)

    def _check_goal(self, goal: Goal, cause: Event) -> list[Event[Alert]]:
        if goal.saved < goal.target:
            goal.achieved_at = None  # re-armed: reaching the target again is news again
            return []
        if goal.achieved is not None:
            return []
        goal.achieved_at = cause.occurred_at
        alert = GoalAchieved(
            goal_id=goal.id,
            name=goal.name,
            target_amount=_amount_text(goal.target),
            saved=_amount_text(goal.saved),
            achieved_at=cause.occurred_at,
        )
        return [Event(Topic.GOAL_ACHIEVED, self.user_id, cause.occurred_at, alert)]

    def goal_position(self, goal: Goal, today: date) -> GoalPosition:
        target, saved = from_cents(goal.target), from_cents(goal.saved)
        remaining = max(target - saved, ZERO)
        monthly = None
        if goal.deadline is not None:
            monthly = cents(remaining / months_left(today, goal.deadline))
        return GoalPosition(
            id=goal.id,
            name=goal.name,
            target_amount=target,
            deadline=goal.deadline,
            saved=saved,
            achieved_at=goal.achieved_at,
            remaining=cents(remaining),
            percent=percent_of(saved, target),
            monthly_needed=monthly,
        )


def status_of(spent: Amount, available: Amount, thresholds: tuple[int, ...]) -> BudgetStatus:
    """Both amounts in the same unit: Decimal or integer cents."""
    if reaches(spent, available, EXCEEDED_AT):
        return BudgetStatus.EXCEEDED
    if any(reaches(spent, available, t) for t in thresholds if t < EXCEEDED_AT):
        return BudgetStatus.WARNING
    return BudgetStatus.OK


def _today(cause: LedgerEvent) -> date:
    """The user's local date when the change was made: written by the service beside the
    change; events written before it was carried fall back on the UTC date of the change."""
    return cause.payload.today or cause.occurred_at.date()


_THRESHOLDS: dict[tuple[int, ...], tuple[int, ...]] = {}


def shared_thresholds(values: Iterable[int]) -> tuple[int, ...]:
    """One tuple object per distinct list of thresholds, shared by every budget using it; a
    tuple already sorted (as snapshots hold them) is found without being sorted again."""
    if isinstance(values, tuple) and (known := _THRESHOLDS.get(values)) is not None:
        return known
    thresholds = tuple(sorted(values))
    return _THRESHOLDS.setdefault(thresholds, thresholds)


def spent_per_period(period: Period, days: Iterable[tuple[date, Decimal]]) -> dict[date, Decimal]:
    """A budget's earlier spending as its `budget_changed` event carries it: the category's
    expenses per local date, summed per period start by the same rule the ledger applies."""
    totals: dict[date, Decimal] = {}
    for day, amount in days:
        _add(totals, period_start(period, day), amount)
    return totals


def _add(totals: dict[date, Amount], start: date, amount: Amount) -> None:
    total = totals.get(start, amount * 0) + amount
    if total:
        totals[start] = total
    else:
        totals.pop(start, None)


class ApplyFailed(Exception):
    """Applying a decoded event raised: a bug, or a producer that wrote what its schema let by."""

    def __init__(self, event: LedgerEvent, error: Exception) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.event = event


def _budget(change: BudgetChanged) -> Budget | None:
    """The budget as its change defines it (None: deleted), with its earlier spending."""
    definition = change.budget
    if definition is None:
        return None
    return Budget(
        id=change.budget_id,
        category=sys.intern(definition.category),
        period=definition.period,
        limit=to_cents(definition.limit),
        thresholds=shared_thresholds(definition.alert_thresholds),
        spent=_nonzero(definition.spent),
        recurring=_nonzero(definition.recurring),
        rollover=definition.rollover,
        starts_on=definition.starts_on or period_start(definition.period, change.local_date),
    )


def _nonzero(totals: Mapping[date, Decimal]) -> dict[date, int]:
    """In cents, zeros left out."""
    return {start: to_cents(total) for start, total in totals.items() if total}


def _numbered(user_id: UUID, number: int, alerts: list[Event[Alert]]) -> list[Event[Alert]]:
    """The alerts of the user's event `number`, each with an id made of the user, that number
    and what the alert is about (its type, budget or goal, period and threshold). A replay from
    an earlier snapshot applies the same events to the same state, whatever windows they arrive
    in, and so raises the same threshold and goal alerts with the same ids: the outbox stages
    each id once, so such an alert is told once even when it was committed apart from the
    ledger's snapshot. (An early warning also reads the user's recurring series and the day,
    which a replay may find changed: see FROM_EVENTS_ALONE.)"""
    return [
        msgspec.structs.replace(alert, id=uuid5(user_id, f"{number}:{_about(alert)}"))
        for alert in alerts
    ]


BudgetAlert = TypeVar("BudgetAlert", bound=BudgetNotice)


def _budget_notice(
    kind: type[BudgetAlert], budget: Budget, start: date, available: int, **stated: Any
) -> BudgetAlert:
    """An alert about a budget's period: what every such alert says (rollover adds what is
    carried and available), and what this kind `stated`."""
    rollover = budget.rollover is not Rollover.NONE
    return kind(
        budget_id=budget.id,
        category=budget.category,
        period=budget.period,
        period_start=start,
        period_end=period_end(budget.period, start),
        limit=_amount_text(budget.limit),
        carried=_amount_text(available - budget.limit) if rollover else None,
        available=_amount_text(available) if rollover else None,
        **stated,
    )


def _amount_text(amount: int) -> DecimalText:
    """Cents as an alert writes them: a decimal string with two places."""
    return DecimalText(from_cents(amount))


def _about(alert: Event[Alert]) -> str:
    # The text of the alerts' ids when they were dicts, kept so that a replay across the
    # change raises the ids it raised before.
    return f"{alert.type.value}:{alert.payload.about}"
