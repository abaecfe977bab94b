import json
import random
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from actors.domain import dead_letter
from actors.domain.backoff import backoff_seconds
from actors.domain.delivery import (
    LONGEST_BACKOFF_SECONDS,
    GiveUp,
    RetryLater,
    SendFailed,
    after_failure,
)

TEMPORARY = SendFailed("451 try later", temporary=True)
PERMANENT = SendFailed("550 no such user", temporary=False)


@pytest.mark.parametrize("attempts", range(1, 8))
def test_backoff_doubles_within_its_jitter(attempts: int) -> None:
    ceiling = 2.0 * 2 ** (attempts - 1)
    delays = [
        backoff_seconds(attempts, 2.0, random.Random(seed), longest=LONGEST_BACKOFF_SECONDS)
        for seed in range(50)
    ]
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 1  # jitter: failures together do not retry together


def test_backoff_is_capped() -> None:
    assert backoff_seconds(4000, 2.0, random.Random(1), longest=LONGEST_BACKOFF_SECONDS) <= (
        LONGEST_BACKOFF_SECONDS
    )


def test_temporary_failures_retry_until_the_last_attempt() -> None:
    rng = random.Random(7)
    assert isinstance(after_failure(TEMPORARY, 1, 3, 1.0, rng), RetryLater)
    assert isinstance(after_failure(TEMPORARY, 2, 3, 1.0, rng), RetryLater)
    last = after_failure(TEMPORARY, 3, 3, 1.0, rng)
    assert isinstance(last, GiveUp) and "after 3 attempts" in last.reason


def test_a_permanent_failure_is_not_retried() -> None:
    step = after_failure(PERMANENT, 1, 8, 1.0, random.Random())
    assert isinstance(step, GiveUp) and "550 no such user" in step.reason


def test_the_dead_letter_of_a_message_names_it() -> None:
    event_id = uuid4()
    record = json.loads(
        dead_letter.undeliverable(
            dedup_key=f"{event_id}/sms/+15550001111",
            event_id=event_id,
            event_type="goal_achieved",
            user_id=uuid4(),
            channel="sms",
            recipient="+15550001111",
            attempts=1,
            failed_at=datetime.now(UTC),
        )
    )
    assert record["kind"] == "undeliverable" and record["event_id"] == str(event_id)
    assert (record["channel"], record["recipient"]) == ("sms", "+15550001111")
