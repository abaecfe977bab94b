"""What the dead letter of an undeliverable message says, beside the reason it carries."""

import json
from datetime import datetime
from uuid import UUID


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
