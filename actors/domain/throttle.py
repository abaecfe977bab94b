"""Throttling rules: how many attempts a caller gets before it must wait, and for how long.

Each rule counts attempts in buckets keyed by what it limits (an account from one address, an
address, an account). An attempt is counted before the work it guards (a password check, a
sign-up, a refresh), so concurrent attempts cannot slip past the count. The first `free`
attempts pass; the one that reaches `free` starts a lock, and each attempt after a lock has
ended starts a lock twice as long, up to `longest_lock`. Attempts are forgotten once `memory`
has passed without one.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Rule:
    name: str
    # What is limited, as the 429's message says it.
    limits: str
    free: int
    first_lock: timedelta
    longest_lock: timedelta
    memory: timedelta

    def lock_after(self, attempts: int) -> timedelta:
        """The lock started by the attempt numbered `attempts` (zero: none)."""
        if attempts < self.free:
            return timedelta(0)
        doublings = min(attempts - self.free, 32)
        return min(self.first_lock * 2**doublings, self.longest_lock)

    def lock_schedule(self) -> list[timedelta]:
        """The lock after attempt 1, 2, ... up to the first longest lock; every attempt after
        the last one listed locks for as long as the last one."""
        schedule = [self.lock_after(1)]
        while schedule[-1] < self.longest_lock:
            schedule.append(self.lock_after(len(schedule) + 1))
        return schedule

    def bucket(self, *subject: str) -> str:
        """The bucket's key: a hash, so that no e-mail or address is stored in the clear."""
        text = "\0".join((self.name, *subject))
        return hashlib.sha256(text.encode()).hexdigest()


def retry_after_seconds(locked_until: datetime, now: datetime) -> int:
    """Whole seconds until the lock ends, at least 1."""
    return max(1, math.ceil((locked_until - now).total_seconds()))


# A stranger guessing from elsewhere never touches this one: the owner's own address keeps
# its five tries whatever happens on others.
LOGIN_ACCOUNT_FROM_ADDRESS = Rule(
    name="login-account-address",
    limits="too many failed logins for this account from your address",
    free=5,
    first_lock=timedelta(seconds=30),
    longest_lock=timedelta(minutes=15),
    memory=timedelta(minutes=15),
)
# Slows a password spray: one guess on each of many accounts from one address.
LOGIN_FROM_ADDRESS = Rule(
    name="login-address",
    limits="too many failed logins from your address",
    free=20,
    first_lock=timedelta(minutes=1),
    longest_lock=timedelta(minutes=15),
    memory=timedelta(minutes=15),
)
# Bounds guessing on one account from many addresses; counts only the attempts that the two
# rules above let through, so a single stranger cannot reach it.
LOGIN_ACCOUNT = Rule(
    name="login-account",
    limits="too many failed logins for this account",
    free=30,
    first_lock=timedelta(minutes=1),
    longest_lock=timedelta(minutes=15),
    memory=timedelta(minutes=15),
)
# Every sign-up counts, successful or not: each one sends a welcome e-mail.
SIGNUP_FROM_ADDRESS = Rule(
    name="signup-address",
    limits="too many sign-ups from your address",
    free=10,
    first_lock=timedelta(minutes=10),
    longest_lock=timedelta(hours=1),
    memory=timedelta(hours=1),
)
# Refused refresh tokens (guessed, expired, reused); a successful refresh gives its count back.
REFRESH_FROM_ADDRESS = Rule(
    name="refresh-address",
    limits="too many refused refresh tokens from your address",
    free=30,
    first_lock=timedelta(minutes=1),
    longest_lock=timedelta(minutes=15),
    memory=timedelta(minutes=15),
)
RULES = (
    LOGIN_ACCOUNT_FROM_ADDRESS,
    LOGIN_FROM_ADDRESS,
    LOGIN_ACCOUNT,
    SIGNUP_FROM_ADDRESS,
    REFRESH_FROM_ADDRESS,
)
# A bucket untouched this long is forgotten by every rule and may be deleted.
LONGEST_MEMORY = max(max(rule.memory, rule.longest_lock) for rule in RULES)
