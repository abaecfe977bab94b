"""Throttle buckets in PostgreSQL: each attempt is checked and counted in one statement.

The upsert takes the bucket's row lock, so concurrent attempts are counted one after another:
of 40 guesses arriving together, exactly the rule's free ones are let through.
"""

import time
from datetime import datetime

from tortoise import connections

from actors.domain.errors import Throttled
from actors.domain.throttle import LONGEST_MEMORY, Rule, retry_after_seconds

# $1 key, $2 now, $3 the rule's memory, $4 its lock schedule (a zero interval: no lock). A
# locked bucket is left as it is and returns no row; otherwise the attempt is counted and the
# lock its number calls for is set, in the same statement.
_RESERVE = """
WITH attempt (key, now, memory, locks) AS (
    VALUES ($1::text, $2::timestamptz, $3::interval, $4::interval[])
)
INSERT INTO throttle_buckets AS bucket (key, attempts, last_attempt_at, locked_until)
SELECT key, 1, now, now + NULLIF(locks[1], interval '0') FROM attempt
ON CONFLICT (key) DO UPDATE SET (attempts, last_attempt_at, locked_until) = (
    SELECT counted,
           GREATEST(bucket.last_attempt_at, now),
           now + NULLIF(locks[LEAST(counted, cardinality(locks))], interval '0')
    FROM attempt, LATERAL (
        SELECT CASE WHEN bucket.last_attempt_at <= now - memory THEN 1
                    ELSE bucket.attempts + 1 END AS counted
    ) AS numbered
)
WHERE bucket.locked_until IS NULL OR bucket.locked_until <= EXCLUDED.last_attempt_at
RETURNING attempts
"""
# An attempt that turned out well gives its count back, and the lock it started with it.
_RELEASE = """
UPDATE throttle_buckets
SET attempts = attempts - 1, locked_until = CASE WHEN attempts - 1 < $2 THEN NULL
                                                 ELSE locked_until END
WHERE key = $1 AND attempts > 0
"""
_PRUNE_EVERY_SECONDS = 600
_next_prune = 0.0


async def reserve(rule: Rule, subject: tuple[str, ...], now: datetime) -> None:
    """Count one attempt, or raise Throttled when the bucket is locked."""
    await _prune_now_and_then(now)
    connection = connections.get("default")
    key = rule.bucket(*subject)
    counted = await connection.execute_query_dict(
        _RESERVE, [key, now, rule.memory, rule.lock_schedule()]
    )
    if counted:
        return
    rows = await connection.execute_query_dict(
        "SELECT locked_until FROM throttle_buckets WHERE key = $1", [key]
    )
    locked_until = rows[0]["locked_until"] if rows and rows[0]["locked_until"] else now
    raise Throttled(rule.limits, retry_after_seconds(locked_until, now))


async def release(rule: Rule, subject: tuple[str, ...]) -> None:
    """Give back the count of an attempt that succeeded."""
    await connections.get("default").execute_query(_RELEASE, [rule.bucket(*subject), rule.free])


async def forget(rule: Rule, subject: tuple[str, ...]) -> None:
    """Drop the bucket: the subject has proved itself (the owner logged in from there)."""
    await connections.get("default").execute_query(
        "DELETE FROM throttle_buckets WHERE key = $1", [rule.bucket(*subject)]
    )


async def _prune_now_and_then(now: datetime) -> None:
    """Delete the buckets every rule has forgotten, at most once per interval per process."""
    global _next_prune
    if time.monotonic() < _next_prune:
        return
    _next_prune = time.monotonic() + _PRUNE_EVERY_SECONDS
    await connections.get("default").execute_query(
        "DELETE FROM throttle_buckets WHERE last_attempt_at < $1"
        " AND (locked_until IS NULL OR locked_until < $2)",
        [now - LONGEST_MEMORY, now],
    )
