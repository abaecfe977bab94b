"""Dead letters: a record that could not be processed, bound for its topic's dead-letter topic
with the reason; and what the dead letter of an undeliverable message says."""

import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    key: bytes | None
    value: bytes
    reason: str
    # The delivery log's row of a message a courier gave up on; None for an unreadable record.
    delivery_id: int | None = None


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
