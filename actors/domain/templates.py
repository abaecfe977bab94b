"""The words of every message: subject, plain text, HTML and SMS, from a notice's typed payload."""

import html
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from actors.domain.events import MalformedEvent
from actors.domain.payloads import (
    BillDue,
    BudgetCrossed,
    BudgetExceeded,
    BudgetForecastExceeded,
    BudgetNotice,
    GoalAchieved,
    Notice,
    TransactionCreated,
    UserRegistered,
)
from actors.domain.periods import Period

# One GSM-7 segment is 160 characters; SMS text stays ASCII so that it is not sent as UCS-2.
SMS_MAX = 159
NAME_IN_SMS = 30
FOOTER = (
    "You receive this because of your notification settings in ledgerflow; "
    "change them with PATCH /api/user/me."
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


@dataclass(frozen=True)
class _Content:
    subject: str
    intro: str
    facts: list[tuple[str, str]]
    sms: str


def render(event: Notice, name: str, timezone: str) -> Rendered:
    """Raises MalformedEvent when the payload lacks what a message needs (an empty category)."""
    try:
        content = _content(event, name, _zone(timezone))
    except (ValueError, ArithmeticError) as error:  # ArithmeticError: a figure too large
        raise MalformedEvent(f"{event.type.value} payload: {error!r}") from error
    return Rendered(
        subject=content.subject,
        text=_text(name, content),
        html=_html(name, content),
        sms=fit_sms(content.sms),
    )


def _content(event: Notice, name: str, zone: tzinfo) -> _Content:
    match event.payload:
        case UserRegistered():
            return _welcome(event.occurred_at, name, zone)
        case TransactionCreated() as transaction:
            return _receipt(transaction, transaction.occurred_at or event.occurred_at, zone)
        case BudgetExceeded() as exceeded:
            return _exceeded(exceeded)
        case BudgetCrossed() as warning:
            return _warning(warning)
        case BudgetForecastExceeded() as outlook:
            return _forecast(outlook)
        case GoalAchieved() as goal:
            return _goal(goal, zone)
        case BillDue() as bill:
            return _bill(bill)
    raise ValueError(f"no message for a {type(event.payload).__name__}")


def fit_sms(text: str) -> str:
    return text if len(text) <= SMS_MAX else text[: SMS_MAX - 3].rstrip() + "..."


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _text(name: str, content: _Content) -> str:
    width = max((len(label) for label, _ in content.facts), default=0)
    facts = "\n".join(f"  {label + ':':<{width + 1}}  {value}" for label, value in content.facts)
    return f"Hello {name},\n\n{content.intro}\n\n{facts}\n\n-- ledgerflow\n{FOOTER}\n"


def _html(name: str, content: _Content) -> str:
    rows = "".join(
        f'<tr><th align="left" style="padding-right:1em">{html.escape(label)}</th>'
        f"<td>{html.escape(value)}</td></tr>"
        for label, value in content.facts
    )
    return (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f"<p>Hello {html.escape(name)},</p><p>{html.escape(content.intro)}</p>"
        f"<table>{rows}</table>"
        f'<p style="color:#666;font-size:small">{html.escape(FOOTER)}</p></body></html>'
    )


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _percent(value: Decimal) -> str:
    # Rounded down: a warning must not say 100% before the budget is spent.
    return f"{value.quantize(Decimal(1), rounding=ROUND_DOWN)}%"


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _moment(moment: datetime, zone: tzinfo) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    return f"{_day(local.date())}, {local:%H:%M}"


def _short(name: str) -> str:
    return name if len(name) <= NAME_IN_SMS else name[: NAME_IN_SMS - 3].rstrip() + "..."


def _named(text: str, what: str) -> str:
    if not text.strip():
        raise ValueError(f"{what} is empty")
    return text.strip()


def _period_label(period: Period, start: date) -> str:
    match period:
        case Period.MONTHLY:
            return f"{start:%B}"
        case Period.WEEKLY:
            return f"the week of {start.day} {start:%B}"
        case Period.YEARLY:
            return str(start.year)


def _welcome(signed_up: datetime, name: str, zone: tzinfo) -> _Content:
    return _Content(
        subject=f"Welcome to ledgerflow, {name}",
        intro=(
            "Your account is ready. We will write when a budget is nearly spent or exceeded "
            "and when you reach a savings goal."
        ),
        facts=[("Signed up", _moment(signed_up, zone))],
        sms=f"Welcome to ledgerflow, {_short(name)}! Alerts about your budgets and goals will "
        "arrive here.",
    )


def _receipt(transaction: TransactionCreated, occurred_at: datetime, zone: tzinfo) -> _Content:
    kind = transaction.type.value
    amount, category = _money(transaction.amount), _named(transaction.category, "category")
    when = _moment(occurred_at, zone)
    facts = [("Amount", amount), ("Type", kind), ("Category", category), ("Date", when)]
    if transaction.description:
        facts.insert(3, ("Description", transaction.description))
    return _Content(
        subject=f"{kind.capitalize()} recorded: {amount}, {category}",
        intro=f"An {kind} of {amount} in {category} was recorded.",
        facts=facts,
        sms=f"ledgerflow: {kind} of {amount} in {_short(category)} recorded ({when}).",
    )


@dataclass(frozen=True)
class _CrossedWords:
    """What every threshold alert says of its budget, as words."""

    category: str
    label: str  # the period, as people name it: "November", "the week of 3 March"
    limit: str
    spent: str
    percent: str
    period: str  # its first and last days
    carried: list[tuple[str, str]]

    @classmethod
    def of(cls, crossed: BudgetCrossed) -> "_CrossedWords":
        return cls(
            category=_named(crossed.category, "category"),
            label=_period_label(crossed.period, crossed.period_start),
            limit=_money(crossed.limit),
            spent=_money(crossed.spent),
            percent=_percent(crossed.percent),
            period=f"{_day(crossed.period_start)} to {_day(crossed.period_end)}",
            carried=_carried(crossed),
        )

    def facts(self, outcome: tuple[str, str]) -> list[tuple[str, str]]:
        """The alert's lines, with what is left or how much over (`outcome`)."""
        spent = ("Spent", f"{self.spent} ({self.percent})")
        return [("Limit", self.limit), *self.carried, spent, outcome, ("Period", self.period)]


def _warning(crossed: BudgetCrossed) -> _Content:
    words = _CrossedWords.of(crossed)
    left = max(_available(crossed) - crossed.spent, Decimal(0))
    return _Content(
        subject=f"Budget warning: {words.category}, {words.label}",
        intro=f"You have spent {words.percent} of your {words.category} budget for {words.label}.",
        facts=words.facts(("Left", _money(left))),
        sms=f"ledgerflow: {words.percent} of your {_short(words.category)} budget for "
        f"{words.label} is spent ({words.spent} of {words.limit}).",
    )


def _exceeded(exceeded: BudgetExceeded) -> _Content:
    words = _CrossedWords.of(exceeded)
    overage = _money(exceeded.overage)
    beyond = f" ({exceeded.threshold}%)" if exceeded.threshold > 100 else ""
    return _Content(
        subject=f"Budget exceeded: {words.category}, {words.label}{beyond}",
        intro=f"You have gone over your {words.category} budget for {words.label}.",
        facts=words.facts(("Over by", overage)),
        sms=f"ledgerflow: {_short(words.category)} budget for {words.label} exceeded: spent "
        f"{words.spent} of {words.limit}, over by {overage}.",
    )


def _available(notice: BudgetNotice) -> Decimal:
    """What the budget's status is measured against: its limit, plus what rollover carried."""
    return notice.available if notice.available is not None else notice.limit


def _carried(notice: BudgetNotice) -> list[tuple[str, str]]:
    """The rollover lines of a budget alert: none for a budget without rollover."""
    if notice.carried is None or notice.available is None:
        return []
    return [("Carried over", _money(notice.carried)), ("Available", _money(notice.available))]


def _forecast(outlook: BudgetForecastExceeded) -> _Content:
    category = _named(outlook.category, "category")
    start, end = outlook.period_start, outlook.period_end
    label = _period_label(outlook.period, start)
    available = _money(_available(outlook))
    spent, projected = _money(outlook.spent), _money(outlook.projected_spent)
    low, high = _money(outlook.low), _money(outlook.high)
    crossing = outlook.crossing_day
    when = f" around {_day(crossing)}" if crossing else ""
    facts = [
        ("Limit", _money(outlook.limit)),
        *_carried(outlook),
        ("Spent so far", spent),
        ("Expected by the end", f"{projected} (likely {low} to {high})"),
        ("Period", f"{_day(start)} to {_day(end)}"),
    ]
    if crossing:
        facts.insert(-1, ("Expected to cross", _day(crossing)))
    return _Content(
        subject=f"Budget forecast: {category}, {label} is on course to be exceeded",
        intro=f"At this pace your {category} budget for {label} will be exceeded{when}: "
        f"{projected} expected against {available} available.",
        facts=facts,
        sms=f"ledgerflow: {_short(category)} budget for {label} on course to be exceeded{when}: "
        f"{projected} expected of {available}.",
    )


def _goal(goal: GoalAchieved, zone: tzinfo) -> _Content:
    name = _named(goal.name, "name")
    target, saved = _money(goal.target_amount), _money(goal.saved)
    return _Content(
        subject=f"Goal reached: {name}",
        intro=f"You have reached your savings goal {name}.",
        facts=[("Target", target), ("Saved", saved), ("Reached", _moment(goal.achieved_at, zone))],
        sms=f"ledgerflow: goal reached! {_short(name)}: saved {saved} of {target}.",
    )


def _bill(bill: BillDue) -> _Content:
    amount, category = _money(bill.amount), _named(bill.category, "category")
    due = _day(bill.due_date)
    facts = [("Amount", amount), ("Category", category), ("Due", due)]
    if bill.description:
        facts.insert(2, ("Description", bill.description))
    return _Content(
        subject=f"Bill due tomorrow: {amount}, {category}",
        intro=f"Your recurring {category} expense of {amount} is due on {due}; it will"
        " be recorded that day.",
        facts=facts,
        sms=f"ledgerflow: {_short(category)} bill of {amount} due {due}.",
    )
