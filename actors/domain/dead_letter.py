"""What a dead-letter record says: the message that could not be delivered, or the record that
could not be read, and why."""

import base64
import json
from datetime import datetime
from uuid import UUID, uuid5

_NAMESPACE = UUID("6f1d3c52-9a3e-4d7b-8a61-2b0f4c9e7d15")


def record_id(*parts: str) -> UUID:
    """The same failure always gets the same id, so that staging it twice keeps one record."""
    return uuid5(_NAMESPACE, "/".join(parts))


def undeliverable(
    *,
    dedup_key: str,
    event_id: UUID,
    event_type: str,
    user_id: UUID,
    channel: str,
    recipient: str,
    attempts: int,
    reason: str,
    failed_at: datetime,
) -> bytes:
    return _encode(
        {
            "kind": "undeliverable",
            "dedup_key": dedup_key,
            "event_id": str(event_id),
            "event_type": event_type,
            "user_id": str(user_id),
            "channel": channel,
            "recipient": recipient,
            "attempts": attempts,
            "reason": reason,
            "failed_at": failed_at.isoformat(),
        }
    )


def unreadable(
    *, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None, reason: str
) -> bytes:
    return _encode(
        {
            "kind": "unreadable",
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "reason": reason,
            "key": _text_or_base64(key),
            "value": _text_or_base64(value),
        }
    )


def _text_or_base64(raw: bytes | None) -> dict[str, str] | None:
    if raw is None:
        return None
    try:
        return {"text": raw.decode()}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode()}


def _encode(body: dict[str, object]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
