"""The flood rule: how many messages one user may receive on one channel in a rolling hour.

A burst of alerts (an import of a month of transactions crossing many budgets at once) gives at
most 10 e-mails and 3 SMS per user in any hour; the rest are recorded in the delivery log as
suppressed and never sent, since the live budget and goal state stays available in the app.
The welcome message is not limited and does not count.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from actors.domain.events import Topic
from actors.domain.preferences import Channel

WINDOW = timedelta(hours=1)
LIMITS: dict[Channel, int] = {Channel.EMAIL: 10, Channel.SMS: 3}
UNLIMITED = frozenset({Topic.USER_REGISTERED})


def counts(event_type: Topic) -> bool:
    """Whether messages of this kind are limited, and count against the limit."""
    return event_type not in UNLIMITED


def window_start(now: datetime) -> datetime:
    return now - WINDOW


def admits(channel: Channel, event_type: Topic, recent: Iterable[datetime], now: datetime) -> bool:
    """True when one more message may go out, given when the counted recent ones went out."""
    if not counts(event_type):
        return True
    since = window_start(now)
    return sum(1 for at in recent if at > since) < LIMITS[channel]


def suppression_reason(channel: Channel) -> str:
    return f"flood rule: at most {LIMITS[channel]} {channel} messages per user per hour"
