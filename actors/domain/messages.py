"""What to send for an event: on which channels, to which address, with which words."""

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from actors.domain import preferences, templates
from actors.domain.events import Topic
from actors.domain.payloads import Notice
from actors.domain.preferences import Channel


@dataclass(frozen=True)
class Profile:
    """The recipient as the users table knows them when the event is handled."""

    name: str
    email: str
    phone: str | None
    timezone: str
    notifications: Mapping[str, list[str]]


@dataclass(frozen=True)
class Message:
    event_id: UUID
    event_type: Topic
    user_id: UUID
    channel: Channel
    recipient: str
    subject: str
    text: str
    html: str | None

    @property
    def dedup_key(self) -> str:
        """One message per event, channel and recipient, however often the event is read."""
        return f"{self.event_id}/{self.channel.value}/{self.recipient}"


def channels_for(event_type: Topic, notifications: Mapping[str, list[str]]) -> list[Channel]:
    """The user's choice for this kind of event, or the default when they made none."""
    chosen = set(preferences.with_changes(notifications, {}).get(event_type.value, []))
    return [channel for channel in Channel if channel.value in chosen]


def compose(event: Notice, profile: Profile) -> list[Message]:
    """The messages a notice gives; raises MalformedEvent when a message cannot be worded."""
    addresses = {Channel.EMAIL: profile.email, Channel.SMS: profile.phone}
    wanted = [c for c in channels_for(event.type, profile.notifications) if addresses[c]]
    if not wanted:
        return []
    words = templates.render(event, profile.name, profile.timezone)
    return [
        Message(
            event_id=event.id,
            event_type=event.type,
            user_id=event.user_id,
            channel=channel,
            recipient=str(addresses[channel]),
            subject=words.subject,
            text=words.text if channel is Channel.EMAIL else words.sms,
            html=words.html if channel is Channel.EMAIL else None,
        )
        for channel in wanted
    ]
