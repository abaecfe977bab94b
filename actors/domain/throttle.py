"""How long an account is locked after repeated failed logins."""

from datetime import timedelta

FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
# Failures older than this are forgotten: a user who mistypes once a day is never locked.
FAILURE_MEMORY = timedelta(minutes=15)


def lock_duration(consecutive_failures: int) -> timedelta | None:
    """None while under the free allowance, then doubling from 30 s up to 15 minutes."""
    if consecutive_failures < FREE_FAILURES:
        return None
    doublings = min(consecutive_failures - FREE_FAILURES, 10)
    return min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)
