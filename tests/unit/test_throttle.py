from datetime import timedelta

from actors.domain.throttle import FREE_FAILURES, lock_duration


def test_no_lock_within_the_free_allowance() -> None:
    assert all(lock_duration(n) is None for n in range(FREE_FAILURES))


def test_lock_doubles_then_caps_at_fifteen_minutes() -> None:
    durations = [lock_duration(FREE_FAILURES + n) for n in range(8)]
    assert durations[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert durations[-1] == timedelta(minutes=15)
    assert lock_duration(10_000) == timedelta(minutes=15)
