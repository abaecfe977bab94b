"""The payload of each event, typed once: what the services and the ledger write and what the
ledger shards and the messaging actor read, decoded from the record's bytes and validated in one
pass (msgspec). A ledger payload that decodes is one the ledger can apply: amounts positive with
two places, totals bounded, dates in the calendar, text that PostgreSQL can hold. A notice (what
people are told: a welcome, a budget or goal alert, a bill reminder) that decodes is one every
message template can word."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import msgspec

from actors.domain.events import (
    Envelope,
    Event,
    MalformedEvent,
    Record,
    Topic,
    decode,
    on_topic,
    verified,
)
from actors.domain.forecast import Method
from actors.domain.money import check_amount, check_total
from actors.domain.periods import Period
from actors.domain.rollover import Rollover
from actors.domain.signatures import EventKey

Sequence = Annotated[int, msgspec.Meta(ge=1)]  # the user's ledger sequence number
Threshold = Annotated[int, msgspec.Meta(gt=0)]


class DecimalText(Decimal):
    """An amount as events write it: a decimal string, never a JSON number."""


def _decimal_text(kind: type, value: Any) -> Any:
    if kind is not DecimalText:
        raise NotImplementedError(kind)
    if not isinstance(value, str):
        raise TypeError(f"an amount is a decimal string, not {type(value).__name__}")
    try:
        return DecimalText(value)
    except ArithmeticError:  # decimal's InvalidOperation, whose message says nothing
        raise ValueError(f"{value[:40]!r} is not a decimal number") from None


class EntryType(StrEnum):
    EXPENSE = "expense"
    INCOME = "income"


@dataclass(frozen=True, slots=True)
class Entry:
    """What one transaction contributes: to its category's spending, and to its goal."""

    amount: Decimal
    type: EntryType
    category: str
    day: date  # the local date of the transaction in the user's time zone
    goal_id: UUID | None = None
    recurring: bool = False  # written by a recurring series (its payload's `recurring_id`)


class Transaction(msgspec.Struct, frozen=True, kw_only=True):
    """A transaction as its events carry it (`old` and `new`, or the payload itself)."""

    amount: DecimalText
    type: EntryType
    category: str
    local_date: date
    goal_id: UUID | None = None
    recurring_id: UUID | None = None  # the series that wrote it
    transaction_id: UUID | None = None
    description: str | None = None
    occurred_at: datetime | None = None

    def __post_init__(self) -> None:
        _amount(self.amount, "amount")
        _text(self.category, "category")
        _text(self.description, "description")

    def entry(self) -> Entry:
        return Entry(
            Decimal(self.amount),
            self.type,
            self.category,
            self.local_date,
            self.goal_id,
            self.recurring_id is not None,
        )


class TransactionCreated(Transaction, frozen=True, kw_only=True):
    sequence: Sequence
    today: date | None = None  # the user's date when the change was made


class TransactionUpdated(msgspec.Struct, frozen=True, kw_only=True):
    sequence: Sequence
    transaction_id: UUID
    old: Transaction
    new: Transaction
    today: date | None = None


class TransactionDeleted(msgspec.Struct, frozen=True, kw_only=True):
    sequence: Sequence
    transaction_id: UUID
    old: Transaction
    today: date | None = None


class BudgetDefinition(msgspec.Struct, frozen=True, kw_only=True):
    category: str
    period: Period
    limit: DecimalText
    alert_thresholds: list[Threshold]
    # The category's spending per period start before the change, all of it and the part that
    # recurring series wrote, summed in the transaction that numbered the change.
    spent: dict[date, DecimalText] = {}
    recurring: dict[date, DecimalText] = {}
    rollover: Rollover = Rollover.NONE
    starts_on: date | None = None

    def __post_init__(self) -> None:
        _text(self.category, "category")
        _amount(self.limit, "limit")
        for name, totals in (("spent", self.spent), ("recurring", self.recurring)):
            for start, total in totals.items():
                try:
                    check_total(total)
                except (ValueError, ArithmeticError) as error:
                    raise ValueError(f"{name} on {start}: {error}") from None


class BudgetChanged(msgspec.Struct, frozen=True, kw_only=True):
    sequence: Sequence
    budget_id: UUID
    local_date: date  # the user's date of the change
    budget: BudgetDefinition | None  # None: deleted
    today: date | None = None


class GoalDefinition(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    target_amount: DecimalText
    deadline: date | None = None

    def __post_init__(self) -> None:
        _text(self.name, "name")
        _amount(self.target_amount, "target_amount")


class GoalChanged(msgspec.Struct, frozen=True, kw_only=True):
    sequence: Sequence
    goal_id: UUID
    goal: GoalDefinition | None  # None: deleted
    today: date | None = None


class UserRegistered(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    email: str
    phone: str | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        _text(self.name, "name")
        _text(self.email, "email")
        _text(self.phone, "phone")
        _text(self.timezone, "timezone")


class BudgetNotice(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What every alert about a budget's period says. `carried` and `available` only for a
    budget with rollover, whose status is measured against what is available."""

    budget_id: UUID
    category: str
    period: Period
    period_start: date
    period_end: date
    limit: DecimalText
    spent: DecimalText
    carried: DecimalText | None = None
    available: DecimalText | None = None

    def __post_init__(self) -> None:
        _text(self.category, "category")
        _amount(self.limit, "limit")
        _totals(self, "spent", "carried", "available")
        if (self.carried is None) is not (self.available is None):
            raise ValueError("carried and available go together")

    @property
    def about(self) -> str:
        """What the alert is about, for its id (the ledger's `_numbered`): budget, period and
        threshold, written as when alerts were dicts ("None" where one had no threshold) so
        that a replay across that change raises the ids it raised before."""
        return f"{self.budget_id}:{self.period_start}:None"


class BudgetCrossed(BudgetNotice, frozen=True, kw_only=True, omit_defaults=True):
    """A threshold newly reached: `budget_warning` below 100 percent, and the base of
    `BudgetExceeded`."""

    percent: DecimalText
    threshold: Threshold

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.percent.is_finite():
            raise ValueError("percent must be a finite number")

    @property
    def about(self) -> str:
        return f"{self.budget_id}:{self.period_start}:{self.threshold}"


class BudgetExceeded(BudgetCrossed, frozen=True, kw_only=True, omit_defaults=True):
    """`budget_exceeded`: a threshold of 100 percent or more, and by how much."""

    overage: DecimalText

    def __post_init__(self) -> None:
        super().__post_init__()
        _totals(self, "overage")


class BudgetForecastExceeded(BudgetNotice, frozen=True, kw_only=True, omit_defaults=True):
    projected_spent: DecimalText
    low: DecimalText
    high: DecimalText
    method: Method
    forecast_day: date
    # Always given by the ledger (the projection is above available); records written before
    # the schemas could hold null.
    crossing_day: date | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _totals(self, "projected_spent", "low", "high")


class GoalAchieved(msgspec.Struct, frozen=True, kw_only=True):
    goal_id: UUID
    name: str
    target_amount: DecimalText
    saved: DecimalText
    achieved_at: Annotated[datetime, msgspec.Meta(tz=True)]

    def __post_init__(self) -> None:
        _text(self.name, "name")
        _amount(self.target_amount, "target_amount")
        _totals(self, "saved")

    @property
    def about(self) -> str:
        """As `BudgetNotice.about`: a goal's alerts had no period or threshold."""
        return f"{self.goal_id}:None:None"


class BillDue(msgspec.Struct, frozen=True, kw_only=True):
    recurring_id: UUID
    due_date: date
    amount: DecimalText
    category: str
    description: str | None = None

    def __post_init__(self) -> None:
        _amount(self.amount, "amount")
        _text(self.category, "category")
        _text(self.description, "description")


LedgerPayload = (
    TransactionCreated | TransactionUpdated | TransactionDeleted | BudgetChanged | GoalChanged
)
LedgerEvent = Event[LedgerPayload]
Alert = BudgetCrossed | BudgetExceeded | BudgetForecastExceeded | GoalAchieved  # a ledger's
NoticePayload = UserRegistered | TransactionCreated | Alert | BillDue
Notice = Event[NoticePayload]  # an event people may be told of

SCHEMAS: dict[Topic, type[LedgerPayload]] = {
    Topic.TRANSACTION_CREATED: TransactionCreated,
    Topic.TRANSACTION_UPDATED: TransactionUpdated,
    Topic.TRANSACTION_DELETED: TransactionDeleted,
    Topic.BUDGET_CHANGED: BudgetChanged,
    Topic.GOAL_CHANGED: GoalChanged,
}
TOPICS: dict[type[LedgerPayload], Topic] = {schema: topic for topic, schema in SCHEMAS.items()}
NOTICE_SCHEMAS: dict[Topic, type[NoticePayload]] = {
    Topic.USER_REGISTERED: UserRegistered,
    Topic.TRANSACTION_CREATED: TransactionCreated,  # a receipt, for those who ask for one
    Topic.BUDGET_WARNING: BudgetCrossed,
    Topic.BUDGET_EXCEEDED: BudgetExceeded,
    Topic.BUDGET_FORECAST_EXCEEDED: BudgetForecastExceeded,
    Topic.GOAL_ACHIEVED: GoalAchieved,
    Topic.BILL_DUE: BillDue,
}


def _decoders(schemas: dict[Topic, Any]) -> dict[str, msgspec.json.Decoder[Any]]:
    return {
        topic.value: msgspec.json.Decoder(Envelope[schema], dec_hook=_decimal_text)  # type: ignore[valid-type]
        for topic, schema in schemas.items()
    }


_LEDGER_DECODERS = _decoders(SCHEMAS)
_NOTICE_DECODERS = _decoders(NOTICE_SCHEMAS)


def read(topic: str, raw: bytes) -> LedgerEvent:
    """The ledger event in `raw`, a record of `topic`, typed and checked: MalformedEvent naming
    what is wrong for anything the ledger could not apply, or another topic's event."""
    return _read(_LEDGER_DECODERS, "ledger", topic, raw)


def read_notice(topic: str, raw: bytes) -> Notice:
    """The notice in `raw`, a record of `topic`, typed and checked: MalformedEvent naming what
    is wrong for anything a message could not be worded from, or another topic's event."""
    return _read(_NOTICE_DECODERS, "notifiable", topic, raw)


def read_signed_notice(record: Record, event_key: EventKey) -> Notice:
    """The notice in a record signed with `event_key`: MalformedEvent if the signature does not
    verify (checked first: nothing of a record we did not sign is parsed), or as `read_notice`."""
    return read_notice(record.topic, verified(record, event_key))


def _read(decoders: dict[str, msgspec.json.Decoder[Any]], kind: str, topic: str, raw: bytes) -> Any:
    decoder = decoders.get(topic)
    if decoder is None:
        raise MalformedEvent(f"{topic} is not a {kind} topic")
    return on_topic(decode(decoder, raw), topic)


def _amount(amount: Decimal, name: str) -> None:
    try:
        check_amount(amount)
    except (ValueError, ArithmeticError) as error:
        raise ValueError(f"{name} {error}") from None


def _totals(notice: msgspec.Struct, *names: str) -> None:
    for name in names:
        total = getattr(notice, name)
        if total is None:
            continue
        try:
            check_total(total)
        except (ValueError, ArithmeticError) as error:
            raise ValueError(f"{name}: {error}") from None


def _text(text: str | None, name: str) -> None:
    if text is not None and "\x00" in text:
        raise ValueError(f"a NUL character in {name}")
