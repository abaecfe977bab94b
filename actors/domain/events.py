"""The event envelope shared by every producer and consumer, and the topic names."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, NoReturn, Protocol, TypeVar
from uuid import UUID, uuid4

import msgspec

from actors.domain.signatures import EventKey, SignatureInvalid

SCHEMA_VERSION = 1
MAX_DEPTH = 16  # of a payload's nesting; the deepest of ours is three


class Topic(StrEnum):
    USER_REGISTERED = "user_registered"
    TRANSACTION_CREATED = "transaction_created"
    TRANSACTION_UPDATED = "transaction_updated"
    TRANSACTION_DELETED = "transaction_deleted"
    BUDGET_CHANGED = "budget_changed"
    GOAL_CHANGED = "goal_changed"
    BUDGET_WARNING = "budget_warning"
    BUDGET_EXCEEDED = "budget_exceeded"
    BUDGET_FORECAST_EXCEEDED = "budget_forecast_exceeded"
    GOAL_ACHIEVED = "goal_achieved"
    BILL_DUE = "bill_due"

    @property
    def dead_letter(self) -> str:
        return dead_letter_topic(self.value)


def dead_letter_topic(topic: str) -> str:
    """Where the records of `topic` that could not be processed go, with the reason."""
    return f"{topic}.dead_letter"


class Record(Protocol):
    """A Kafka record as a consumer receives it (aiokafka's ConsumerRecord is one)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class MalformedEvent(ValueError):
    """A record that cannot be read as an event; it belongs on a dead-letter topic."""


P = TypeVar("P")


class Envelope(msgspec.Struct, Generic[P], frozen=True):
    """An event as it is written: every field required, a payload whose schema is its topic's
    (actors/domain/payloads.py), or any JSON object for `Event.from_json`."""

    id: UUID
    type: Topic
    version: Annotated[int, msgspec.Meta(ge=1)]
    user_id: UUID
    occurred_at: Annotated[datetime, msgspec.Meta(tz=True)]
    payload: P


class Event(msgspec.Struct, Generic[P], frozen=True):
    """An event as producers make it and consumers use it: a fresh id unless given."""

    type: Topic
    user_id: UUID
    occurred_at: datetime
    payload: P
    id: UUID = msgspec.field(default_factory=uuid4)
    version: int = SCHEMA_VERSION

    @property
    def key(self) -> bytes:
        """Kafka key: the user id, so one user's events stay in order on one partition."""
        return str(self.user_id).encode()

    def to_json(self) -> bytes:
        if not isinstance(self.payload, msgspec.Struct):  # a typed payload holds no float
            _refuse_floats(self.payload)
        return _ENCODER.encode(
            Envelope(self.id, self.type, self.version, self.user_id, self.occurred_at, self.payload)
        )

    @classmethod
    def from_json(cls, raw: bytes) -> "Event[dict[str, Any]]":
        """The event in `raw` with its payload as a JSON object, checked whole: MalformedEvent
        for anything else, whatever the bytes (not JSON, not UTF-8, nested too deep, wrong
        types, text a database cannot hold)."""
        event = decode(_ANY_PAYLOAD, raw)
        try:
            _check_payload(event.payload, depth=1)
        except ValueError as error:
            raise MalformedEvent(f"{type(error).__name__}: {error}") from error
        return event


def decode(decoder: "msgspec.json.Decoder[Envelope[P]]", raw: bytes) -> Event[P]:
    """The event in `raw` as `decoder` types it, validated in the one pass: MalformedEvent
    naming the field for anything else."""
    try:
        written = decoder.decode(raw)
        return Event(
            written.type,
            written.user_id,
            written.occurred_at,
            written.payload,
            written.id,
            written.version,
        )
    except RecursionError as error:
        raise MalformedEvent("the JSON is nested too deep") from error
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise MalformedEvent(f"{type(error).__name__}: {error}") from error


def _refuse_float(text: str) -> NoReturn:
    raise ValueError(f"the number {text[:40]} is not an integer: amounts are decimal strings")


def _encode(value: object) -> object:
    if isinstance(value, Decimal):  # a subclass: msgspec writes Decimal itself as a string
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__} in an event")


_ENCODER = msgspec.json.Encoder(enc_hook=_encode)
_ANY_PAYLOAD = msgspec.json.Decoder(Envelope[dict[str, Any]], float_hook=_refuse_float)


def _check_payload(value: object, depth: int) -> None:
    """Bounded depth, so that nothing downstream recurses without end; and text that PostgreSQL
    can store (no NUL, no unpaired surrogate from a JSON escape), since payloads reach it."""
    if depth > MAX_DEPTH:
        raise ValueError(f"the payload is nested more than {MAX_DEPTH} deep")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for name, item in value.items():
            _check_text(name)
            _check_payload(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_payload(item, depth + 1)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ValueError("a NUL character in the payload")
    text.encode()  # UnicodeEncodeError, a ValueError, for an unpaired surrogate


def _refuse_floats(value: object) -> None:
    if isinstance(value, float):
        raise TypeError("a float in an event payload: money and quantities are Decimal")
    if isinstance(value, Mapping):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def verified(record: Record, event_key: EventKey) -> bytes:
    """The value of a record signed with `event_key`. MalformedEvent if the signature does not
    verify (checked first: nothing of a record we did not sign is parsed) or there is no value."""
    try:
        event_key.verify(record.topic, record.partition, record.key, record.value, record.headers)
    except SignatureInvalid as error:
        raise MalformedEvent(f"signature does not verify: {error}") from error
    if record.value is None:
        raise MalformedEvent("the record has no value")
    return record.value


def on_topic(event: Event[P], topic: str) -> Event[P]:
    """The event, if it is one of `topic`'s; MalformedEvent otherwise."""
    if event.type.value != topic:
        raise MalformedEvent(f"a {event.type.value} event on the {topic} topic")
    return event
