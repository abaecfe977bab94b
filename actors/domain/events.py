"""The event envelope shared by every producer and consumer, and the topic names."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID, uuid4

from actors.domain.signatures import EventKey, SignatureInvalid

SCHEMA_VERSION = 1


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

    @property
    def dead_letter(self) -> str:
        return f"{self.value}.dead_letter"


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
        try:
            body = json.loads(raw)
            occurred_at = datetime.fromisoformat(body["occurred_at"])
            if occurred_at.tzinfo is None:
                raise ValueError("occurred_at has no time zone")
            if not isinstance(body["payload"], dict):
                raise ValueError("payload is not an object")
            version = body["version"]
            if not isinstance(version, int) or version < 1:
                raise ValueError("version is not a positive integer")
            return cls(
                id=UUID(body["id"]),
                type=Topic(body["type"]),
                version=version,
                user_id=UUID(body["user_id"]),
                occurred_at=occurred_at,
                payload=body["payload"],
            )
        except (ValueError, KeyError, TypeError) as error:
            raise MalformedEvent(f"{type(error).__name__}: {error}") from error


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


class Record(Protocol):
    """A Kafka record as a consumer receives it (aiokafka's ConsumerRecord is one)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


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
