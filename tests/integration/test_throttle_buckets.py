"""Throttle buckets on the real PostgreSQL: the check and the count are one atomic step."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from actors.domain.errors import Throttled
from actors.domain.throttle import LOGIN_ACCOUNT_FROM_ADDRESS as RULE
from adapters import throttle_buckets
from adapters.config import Settings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _subject() -> tuple[str, str]:
    return (f"{uuid4().hex}@example.com", "192.0.2.7")


async def _admitted(subject: tuple[str, ...], now: datetime) -> bool:
    try:
        await throttle_buckets.reserve(RULE, subject, now)
    except Throttled:
        return False
    return True


async def test_of_40_concurrent_attempts_exactly_the_free_ones_pass(db: Settings) -> None:
    subject = _subject()
    admitted = await asyncio.gather(*(_admitted(subject, NOW) for _ in range(40)))
    assert admitted.count(True) == RULE.free


async def test_a_locked_bucket_says_what_is_limited_and_when_to_retry(db: Settings) -> None:
    subject = _subject()
    for _ in range(RULE.free):
        await throttle_buckets.reserve(RULE, subject, NOW)
    with pytest.raises(Throttled) as refused:
        await throttle_buckets.reserve(RULE, subject, NOW + timedelta(seconds=10))
    assert refused.value.retry_after_seconds == 20
    assert str(refused.value).startswith("too many failed logins for this account from your")


async def test_after_the_lock_one_more_attempt_passes_and_locks_twice_as_long(
    db: Settings,
) -> None:
    subject = _subject()
    for _ in range(RULE.free):
        await throttle_buckets.reserve(RULE, subject, NOW)
    later = NOW + RULE.first_lock
    assert await _admitted(subject, later)
    with pytest.raises(Throttled) as refused:
        await throttle_buckets.reserve(RULE, subject, later)
    assert refused.value.retry_after_seconds == 2 * RULE.first_lock.total_seconds()


async def test_attempts_are_forgotten_after_the_rules_memory(db: Settings) -> None:
    subject = _subject()
    for _ in range(RULE.free - 1):
        await throttle_buckets.reserve(RULE, subject, NOW)
    much_later = NOW + RULE.memory + timedelta(seconds=1)
    admitted = [await _admitted(subject, much_later) for _ in range(RULE.free + 1)]
    assert admitted == [True] * RULE.free + [False]


async def test_a_released_attempt_gives_back_its_count_and_its_lock(db: Settings) -> None:
    subject = _subject()
    for _ in range(RULE.free):
        await throttle_buckets.reserve(RULE, subject, NOW)
    await throttle_buckets.release(RULE, subject)
    assert await _admitted(subject, NOW)
    assert not await _admitted(subject, NOW)


async def test_a_forgotten_bucket_starts_afresh(db: Settings) -> None:
    subject = _subject()
    for _ in range(RULE.free):
        await throttle_buckets.reserve(RULE, subject, NOW)
    await throttle_buckets.forget(RULE, subject)
    assert [await _admitted(subject, NOW) for _ in range(RULE.free)] == [True] * RULE.free
