"""The words of every message: subject, plain text, HTML and SMS, from an event's payload."""

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from actors.domain.events import Event, MalformedEvent, Topic

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


def render(event: Event, name: str, timezone: str) -> Rendered:
    """Raises MalformedEvent when the payload lacks what its type promises."""
    renderer = _RENDERERS[event.type]
    try:
        content = renderer(event, name, _zone(timezone))
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise MalformedEvent(f"{event.type.value} payload: {error!r}") from error
    return Rendered(
        subject=content.subject,
        text=_text(name, content),
        html=_html(name, content),
        sms=fit_sms(content.sms),
    )


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


def _money(value: object) -> str:
    if not isinstance(value, str | int):
        raise TypeError(f"an amount must be a decimal string, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"amount {value!r} is not a number")
    return f"{amount:,.2f}"


def _percent(value: object) -> str:
    if not isinstance(value, str | int):
        raise TypeError(f"a percentage must be a decimal string, not {type(value).__name__}")
    # Rounded down: a warning must not say 100% before the budget is spent.
    return f"{Decimal(value).quantize(Decimal(1), rounding=ROUND_DOWN)}%"


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _moment(value: str | datetime, zone: tzinfo) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    return f"{_day(local.date())}, {local:%H:%M}"


def _short(name: str) -> str:
    return name if len(name) <= NAME_IN_SMS else name[: NAME_IN_SMS - 3].rstrip() + "..."


def _text_field(payload: Mapping[str, Any], key: str) -> str:
    value = payload[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string")
    return value.strip()


def _period_label(period: str, start: date) -> str:
    if period == "monthly":
        return f"{start:%B}"
    if period == "weekly":
        return f"the week of {start.day} {start:%B}"
    if period == "yearly":
        return str(start.year)
    raise ValueError(f"unknown budget period {period!r}")


def _welcome(event: Event, name: str, zone: tzinfo) -> _Content:
    return _Content(
        subject=f"Welcome to ledgerflow, {name}",
        intro=(
            "Your account is ready. We will write when a budget is nearly spent or exceeded "
            "and when you reach a savings goal."
        ),
        facts=[("Signed up", _moment(event.occurred_at, zone))],
        sms=f"Welcome to ledgerflow, {_short(name)}! Alerts about your budgets and goals will "
        "arrive here.",
    )


def _receipt(event: Event, _name: str, zone: tzinfo) -> _Content:
    payload = event.payload
    kind = payload["type"]
    if kind not in ("expense", "income"):
        raise ValueError(f"transaction type {kind!r}")
    amount, category = _money(payload["amount"]), _text_field(payload, "category")
    when = _moment(payload["occurred_at"], zone)
    facts = [("Amount", amount), ("Type", kind), ("Category", category), ("Date", when)]
    if payload.get("description"):
        facts.insert(3, ("Description", str(payload["description"])))
    return _Content(
        subject=f"{kind.capitalize()} recorded: {amount}, {category}",
        intro=f"An {kind} of {amount} in {category} was recorded.",
        facts=facts,
        sms=f"ledgerflow: {kind} of {amount} in {_short(category)} recorded ({when}).",
    )


def _budget(event: Event, _name: str, zone: tzinfo) -> _Content:
    payload = event.payload
    category = _text_field(payload, "category")
    start, end = (
        date.fromisoformat(payload["period_start"]),
        date.fromisoformat(payload["period_end"]),
    )
    label = _period_label(payload["period"], start)
    limit, spent, percent = (
        _money(payload["limit"]),
        _money(payload["spent"]),
        _percent(payload["percent"]),
    )
    period = f"{_day(start)} to {_day(end)}"
    if event.type is Topic.BUDGET_WARNING:
        left = max(Decimal(payload["limit"]) - Decimal(payload["spent"]), Decimal(0))
        return _Content(
            subject=f"Budget warning: {category}, {label}",
            intro=f"You have spent {percent} of your {category} budget for {label}.",
            facts=[
                ("Limit", limit),
                ("Spent", f"{spent} ({percent})"),
                ("Left", _money(str(left))),
                ("Period", period),
            ],
            sms=f"ledgerflow: {percent} of your {_short(category)} budget for {label} is spent "
            f"({spent} of {limit}).",
        )
    overage = _money(payload["overage"])
    threshold = int(payload.get("threshold", 100))
    beyond = f" ({threshold}%)" if threshold > 100 else ""
    return _Content(
        subject=f"Budget exceeded: {category}, {label}{beyond}",
        intro=f"You have gone over your {category} budget for {label}.",
        facts=[
            ("Limit", limit),
            ("Spent", f"{spent} ({percent})"),
            ("Over by", overage),
            ("Period", period),
        ],
        sms=f"ledgerflow: {_short(category)} budget for {label} exceeded: spent {spent} of "
        f"{limit}, over by {overage}.",
    )


def _goal(event: Event, _name: str, zone: tzinfo) -> _Content:
    payload = event.payload
    name = _text_field(payload, "name")
    target, saved = _money(payload["target_amount"]), _money(payload["saved"])
    return _Content(
        subject=f"Goal reached: {name}",
        intro=f"You have reached your savings goal {name}.",
        facts=[
            ("Target", target),
            ("Saved", saved),
            ("Reached", _moment(payload["achieved_at"], zone)),
        ],
        sms=f"ledgerflow: goal reached! {_short(name)}: saved {saved} of {target}.",
    )


def _bill(event: Event, _name: str, _zone: tzinfo) -> _Content:
    payload = event.payload
    amount, category = _money(payload["amount"]), _text_field(payload, "category")
    due = date.fromisoformat(payload["due_date"])
    facts = [("Amount", amount), ("Category", category), ("Due", _day(due))]
    if payload.get("description"):
        facts.insert(2, ("Description", str(payload["description"])))
    return _Content(
        subject=f"Bill due tomorrow: {amount}, {category}",
        intro=f"Your recurring {category} expense of {amount} is due on {_day(due)}; it will"
        " be recorded that day.",
        facts=facts,
        sms=f"ledgerflow: {_short(category)} bill of {amount} due {_day(due)}.",
    )


_RENDERERS: dict[Topic, Callable[[Event, str, tzinfo], _Content]] = {
    Topic.USER_REGISTERED: _welcome,
    Topic.TRANSACTION_CREATED: _receipt,
    Topic.BUDGET_WARNING: _budget,
    Topic.BUDGET_EXCEEDED: _budget,
    Topic.GOAL_ACHIEVED: _goal,
    Topic.BILL_DUE: _bill,
}
