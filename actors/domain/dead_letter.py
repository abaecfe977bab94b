"""Dead letters: a record that could not be processed, bound for its topic's dead-letter topic
with the reason, capped so that a dead letter always fits where the record did not; and what
the dead letter of an undeliverable message says."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from actors.domain.events import MalformedEvent, Record, dead_letter_topic

REASON_LIMIT = 1024  # characters of the reason
VALUE_LIMIT = 4096  # bytes of the record's value, kept as text; its size and hash say the rest
KEY_LIMIT = 64  # characters of the key, the width of the outbox's key column
# The most a dead letter's JSON can take: a byte of the value kept escapes to at most six
# characters, a character of the reason or the key to at most twelve, and the rest (the topic,
# a column of 64 characters, and the other fields) fits in 2 KiB. Far below a broker's 1 MiB.
LARGEST = 6 * VALUE_LIMIT + 12 * REASON_LIMIT + 12 * KEY_LIMIT + 2048


def reason_of(error: BaseException) -> str:
    """What went wrong, for a dead letter or a log: a MalformedEvent says so in its own words,
    any other error is named by its type."""
    if isinstance(error, MalformedEvent):
        return str(error)
    return f"{type(error).__name__}: {error}"


def key_text(key: bytes | None) -> str:
    """A record's key as text that any column and any log can hold: invalid UTF-8 and NUL
    escaped, cut to KEY_LIMIT characters. A user's key, their id, is left as it is."""
    raw = (key or b"")[: 4 * KEY_LIMIT]
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")[:KEY_LIMIT]


@dataclass(frozen=True)
class DeadLetter:
    topic: str  # where the record was, or was bound
    key: bytes | None
    value: bytes | None
    reason: str
    partition: int | None = None
    offset: int | None = None
    # The delivery log's row of a message a courier gave up on; None for an unreadable record.
    # Keyword-only: a merge once slipped it in where the offset goes.
    delivery_id: int | None = field(default=None, kw_only=True)

    @classmethod
    def of(cls, record: Record, reason: str) -> "DeadLetter":
        return cls(record.topic, record.key, record.value, reason, record.partition, record.offset)

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic(self.topic)

    @property
    def key_text(self) -> str:
        return key_text(self.key)

    @property
    def reason_text(self) -> str:
        """The reason cut to REASON_LIMIT characters, as any column can hold it: NUL and any
        unpaired surrogate (an error message may quote the record) replaced."""
        reason = self.reason
        if len(reason) > REASON_LIMIT:
            reason = reason[: REASON_LIMIT - 1] + "…"
        return reason.encode("utf-8", "replace").decode().replace("\x00", "\ufffd")

    def to_json(self) -> bytes:
        """The dead letter as its topic holds it: where the record was, why it failed, and the
        start of its value as text (invalid UTF-8 escaped as \\xNN), with the whole value's size
        and SHA-256 to recognise it by."""
        value = self.value
        body = {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": None if self.key is None else self.key_text,
            "reason": self.reason_text,
            "value": None
            if value is None
            else value[:VALUE_LIMIT].decode("utf-8", "backslashreplace"),
            "value_size": None if value is None else len(value),
            "value_sha256": None if value is None else hashlib.sha256(value).hexdigest(),
            "value_truncated": value is not None and len(value) > VALUE_LIMIT,
        }
        return json.dumps(body, separators=(",", ":")).encode()


def undeliverable(
    *,
    dedup_key: str,
    event_id: UUID,
    event_type: str,
    user_id: UUID,
    channel: str,
    recipient: str,
    attempts: int,
    failed_at: datetime,
) -> bytes:
    return json.dumps(
        {
            "kind": "undeliverable",
            "dedup_key": dedup_key,
            "event_id": str(event_id),
            "event_type": event_type,
            "user_id": str(user_id),
            "channel": channel,
            "recipient": recipient,
            "attempts": attempts,
            "failed_at": failed_at.isoformat(),
        },
        separators=(",", ":"),
    ).encode()
