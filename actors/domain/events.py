"""The event envelope shared by every producer and consumer, and the topic names."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NoReturn, Protocol
from uuid import UUID, uuid4

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


@dataclass(frozen=True)
class Event:
    type: Topic
    user_id: UUID
    occurred_at: datetime
    payload: Mapping[str, Any]
    id: UUID = field(default_factory=uuid4)
    version: int = SCHEMA_VERSION

    @property
    def key(self) -> bytes:
        """Kafka key: the user id, so one user's events stay in order on one partition."""
        return str(self.user_id).encode()

    def to_json(self) -> bytes:
        _refuse_floats(self.payload)
        body = {
            "id": str(self.id),
            "type": self.type.value,
            "version": self.version,
            "user_id": str(self.user_id),
            "occurred_at": self.occurred_at.isoformat(),
            "payload": self.payload,
        }
        return json.dumps(body, default=_encode, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Event":
        """The event in `raw`, checked whole: MalformedEvent for anything else, whatever the
        bytes (not JSON, not UTF-8, nested too deep, wrong types, text a database cannot hold)."""
        try:
            body = json.loads(raw, parse_float=_refuse_float, parse_constant=_refuse_float)
            if not isinstance(body, dict):
                raise TypeError("the event is not a JSON object")
            occurred_at = datetime.fromisoformat(_text(body, "occurred_at"))
            if occurred_at.tzinfo is None:
                raise ValueError("occurred_at has no time zone")
            payload = body["payload"]
            if not isinstance(payload, dict):
                raise TypeError("payload is not an object")
            _check_payload(payload, depth=1)
            version = body["version"]
            if type(version) is not int or version < 1:
                raise ValueError("version is not a positive integer")
            return cls(
                id=UUID(_text(body, "id")),
                type=Topic(_text(body, "type")),
                version=version,
                user_id=UUID(_text(body, "user_id")),
                occurred_at=occurred_at,
                payload=payload,
            )
        except RecursionError as error:
            raise MalformedEvent("the JSON is nested too deep") from error
        except (ValueError, KeyError, TypeError) as error:
            raise MalformedEvent(f"{type(error).__name__}: {error}") from error


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise TypeError(f"{name} is not a string")
    return value


def _refuse_float(text: str) -> NoReturn:
    raise ValueError(f"the number {text[:40]} is not an integer: amounts are decimal strings")


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


def _encode(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID | datetime):
        return value.isoformat() if isinstance(value, datetime) else str(value)
    raise TypeError(f"cannot encode {type(value).__name__} in an event")


def read_event(record: Record, event_key: EventKey) -> Event:
    """The event in a record signed with `event_key`. MalformedEvent if the signature does not
    verify (checked first: nothing of a record we did not sign is parsed), if the record holds
    no event, or another topic's."""
    try:
        event_key.verify(record.topic, record.partition, record.key, record.value, record.headers)
    except SignatureInvalid as error:
        raise MalformedEvent(f"signature does not verify: {error}") from error
    if record.value is None:
        raise MalformedEvent("the record has no value")
    event = Event.from_json(record.value)
    if event.type.value != record.topic:
        raise MalformedEvent(f"a {event.type.value} event on the {record.topic} topic")
    return event
