from datetime import UTC, datetime, timedelta

import pytest

from actors.domain.throttle import (
    LOGIN_ACCOUNT,
    LOGIN_ACCOUNT_FROM_ADDRESS,
    LOGIN_FROM_ADDRESS,
    RULES,
    retry_after_seconds,
)

STRICT = LOGIN_ACCOUNT_FROM_ADDRESS


def test_no_lock_within_the_free_allowance() -> None:
    assert all(STRICT.lock_after(n) == timedelta(0) for n in range(1, STRICT.free))


def test_the_fifth_failed_login_locks_for_30_s_doubling_up_to_15_minutes() -> None:
    durations = [STRICT.lock_after(STRICT.free + n) for n in range(8)]
    assert STRICT.free == 5
    assert durations[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert durations[-1] == timedelta(minutes=15)
    assert STRICT.lock_after(10_000) == timedelta(minutes=15)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_the_schedule_lists_each_attempts_lock_until_the_longest(rule) -> None:  # type: ignore[no-untyped-def]
    schedule = rule.lock_schedule()
    assert schedule == [rule.lock_after(n) for n in range(1, len(schedule) + 1)]
    assert schedule[-1] == rule.longest_lock
    assert rule.longest_lock not in schedule[:-1]
    # Forgetting never comes before a lock has ended: the last attempt's lock fits in memory.
    assert rule.memory >= rule.longest_lock


def test_the_allowances_grow_from_one_account_on_one_address_to_an_account_overall() -> None:
    assert STRICT.free < LOGIN_FROM_ADDRESS.free < LOGIN_ACCOUNT.free


def test_buckets_are_per_rule_and_subject_and_keep_no_e_mail_in_the_clear() -> None:
    key = STRICT.bucket("ann@example.com", "10.0.0.1")
    assert key == STRICT.bucket("ann@example.com", "10.0.0.1")
    assert key != STRICT.bucket("ann@example.com", "10.0.0.2")
    assert key != LOGIN_ACCOUNT.bucket("ann@example.com", "10.0.0.1")
    # The subject's parts are kept apart: ("a", "bc") is not ("ab", "c").
    assert STRICT.bucket("a", "bc") != STRICT.bucket("ab", "c")
    assert "ann" not in key and len(key) == 64


def test_retry_after_rounds_up_and_is_at_least_one_second() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(now + timedelta(seconds=29.2), now) == 30
    assert retry_after_seconds(now, now) == 1
    assert retry_after_seconds(now - timedelta(seconds=5), now) == 1
