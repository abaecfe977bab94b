"""The payload of each ledger event, typed once: what the services write and what a ledger
shard reads, decoded from the record's bytes and validated in one pass (msgspec). A payload that
decodes is one the ledger can apply: amounts positive with two places, totals bounded, dates in
the calendar, text that PostgreSQL can hold."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import msgspec

from actors.domain.events import Envelope, Event, MalformedEvent, Topic, decode, on_topic
from actors.domain.money import check_amount, check_total
from actors.domain.periods import Period
from actors.domain.rollover import Rollover

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

    def to_payload(self) -> dict[str, Any]:
        return {
            "amount": str(self.amount),
            "type": self.type.value,
            "category": self.category,
            "local_date": self.day.isoformat(),
            "goal_id": str(self.goal_id) if self.goal_id else None,
        }

    @classmethod
    def from_payload(cls, payload: object) -> "Entry":
        """Raises msgspec.ValidationError for anything but an entry we wrote."""
        return msgspec.convert(payload, Transaction, dec_hook=_decimal_text).entry()


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


LedgerPayload = (
    TransactionCreated | TransactionUpdated | TransactionDeleted | BudgetChanged | GoalChanged
)
LedgerEvent = Event[LedgerPayload]

SCHEMAS: dict[Topic, type[LedgerPayload]] = {
    Topic.TRANSACTION_CREATED: TransactionCreated,
    Topic.TRANSACTION_UPDATED: TransactionUpdated,
    Topic.TRANSACTION_DELETED: TransactionDeleted,
    Topic.BUDGET_CHANGED: BudgetChanged,
    Topic.GOAL_CHANGED: GoalChanged,
}
TOPICS: dict[type[LedgerPayload], Topic] = {schema: topic for topic, schema in SCHEMAS.items()}
_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    topic.value: msgspec.json.Decoder(Envelope[schema], dec_hook=_decimal_text)  # type: ignore[valid-type]
    for topic, schema in SCHEMAS.items()
}


def read(topic: str, raw: bytes) -> LedgerEvent:
    """The ledger event in `raw`, a record of `topic`, typed and checked: MalformedEvent naming
    what is wrong for anything the ledger could not apply, or another topic's event."""
    decoder = _DECODERS.get(topic)
    if decoder is None:
        raise MalformedEvent(f"{topic} is not a ledger topic")
    event: LedgerEvent = decode(decoder, raw)
    return on_topic(event, topic)


def _amount(amount: Decimal, name: str) -> None:
    try:
        check_amount(amount)
    except (ValueError, ArithmeticError) as error:
        raise ValueError(f"{name} {error}") from None


def _text(text: str, name: str) -> None:
    if "\x00" in text:
        raise ValueError(f"a NUL character in {name}")
