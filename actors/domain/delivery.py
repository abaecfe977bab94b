"""The life of one message in the delivery log, and when a failed send is tried again."""

import random
from dataclasses import dataclass
from enum import StrEnum

from actors.domain.backoff import backoff_seconds

# However far the exponent goes, a retry is never scheduled more than this far ahead.
LONGEST_BACKOFF_SECONDS = 600.0


class DeliveryState(StrEnum):
    PENDING = "pending"  # claimed, not sent yet: the courier will send it
    SENT = "sent"
    DEAD = "dead"  # given up; a dead-letter record says why
    SUPPRESSED = "suppressed"  # never sent: the flood rule held it back


class SendFailed(Exception):
    """A send that did not reach the provider. Temporary failures are worth trying again."""

    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary


@dataclass(frozen=True)
class RetryLater:
    after_seconds: float


@dataclass(frozen=True)
class GiveUp:
    reason: str


def after_failure(
    failure: SendFailed,
    attempts: int,
    max_attempts: int,
    base_seconds: float,
    rng: random.Random,
) -> RetryLater | GiveUp:
    """What to do after the `attempts`-th try failed."""
    if not failure.temporary:
        return GiveUp(f"permanent failure: {failure.reason}")
    if attempts >= max_attempts:
        return GiveUp(f"still failing after {attempts} attempts: {failure.reason}")
    return RetryLater(backoff_seconds(attempts, base_seconds, rng, longest=LONGEST_BACKOFF_SECONDS))
