"""Which channels each kind of event is delivered on, per user."""

from collections.abc import Mapping
from enum import StrEnum

from actors.domain.events import Topic


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NotifiableTopic(StrEnum):
    """The topics whose events reach people, and for which a user chooses channels."""

    USER_REGISTERED = Topic.USER_REGISTERED
    TRANSACTION_CREATED = Topic.TRANSACTION_CREATED
    BUDGET_WARNING = Topic.BUDGET_WARNING
    BUDGET_EXCEEDED = Topic.BUDGET_EXCEEDED
    BUDGET_FORECAST_EXCEEDED = Topic.BUDGET_FORECAST_EXCEEDED
    GOAL_ACHIEVED = Topic.GOAL_ACHIEVED
    BILL_DUE = Topic.BILL_DUE


NOTIFIABLE = tuple(Topic(kind) for kind in NotifiableTopic)

DEFAULTS: dict[str, list[str]] = {
    Topic.USER_REGISTERED: [Channel.EMAIL],
    Topic.TRANSACTION_CREATED: [],  # receipts are available, but off until asked for
    Topic.BUDGET_WARNING: [Channel.EMAIL],
    Topic.BUDGET_EXCEEDED: [Channel.EMAIL, Channel.SMS],
    Topic.BUDGET_FORECAST_EXCEEDED: [Channel.EMAIL],
    Topic.GOAL_ACHIEVED: [Channel.EMAIL, Channel.SMS],
    Topic.BILL_DUE: [Channel.EMAIL],
}


#: The kinds of event that send nothing unless a user has asked for them.
QUIET_BY_DEFAULT = frozenset(str(kind) for kind, channels in DEFAULTS.items() if not channels)


def with_changes(
    current: Mapping[str, list[str]], changes: Mapping[NotifiableTopic, list[Channel]]
) -> dict[str, list[str]]:
    """The defaults, overridden by the stored choices, overridden by the changes."""
    merged = {str(kind): [str(c) for c in channels] for kind, channels in DEFAULTS.items()}
    merged.update({kind: list(channels) for kind, channels in current.items()})
    merged.update(
        {str(kind): sorted({str(c) for c in channels}) for kind, channels in changes.items()}
    )
    return merged
