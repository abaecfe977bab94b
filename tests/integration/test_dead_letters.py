"""Dead letters are kept in PostgreSQL with the change that stages them for their dead-letter
topic: both or neither, whatever the record holds."""

import json
from uuid import uuid4

import pytest
from tortoise.transactions import in_transaction

from actors.domain.dead_letter import DeadLetter
from adapters import outbox
from adapters.config import Settings
from adapters.models import DeadLetterRecord, OutboxEvent


class Abandoned(Exception):
    pass


async def _kept(marker: bytes) -> list[DeadLetterRecord]:
    return [row for row in await DeadLetterRecord.all() if marker in bytes(row.value)]


async def test_a_dead_letter_is_kept_and_staged_in_one_transaction(db: Settings) -> None:
    marker = uuid4().hex.encode()
    letter = DeadLetter("goal_achieved", b"a key", b"not json " + marker, "JSONDecodeError: ...")
    async with in_transaction() as connection:
        await outbox.stage_dead_letter(connection, letter)
    [kept] = await _kept(marker)
    assert (kept.topic, bytes(kept.key), kept.reason, kept.delivery_id) == (
        "goal_achieved",
        b"a key",
        "JSONDecodeError: ...",
        None,
    )
    staged = await OutboxEvent.filter(topic="goal_achieved.dead_letter", key="a key")
    assert [json.loads(row.value)["value"] for row in staged if marker in bytes(row.value)] == [
        f"not json {marker.decode()}"
    ]

    other = uuid4().hex.encode()
    with pytest.raises(Abandoned):
        async with in_transaction() as connection:
            await outbox.stage_dead_letter(connection, DeadLetter("goal_achieved", None, other, ""))
            raise Abandoned()
    assert await _kept(other) == []


async def test_a_reason_holding_a_nul_is_kept_rather_than_failing_the_commit(db: Settings) -> None:
    marker = uuid4().hex.encode()
    letter = DeadLetter("budget_exceeded", None, marker, "ValueError: 'x\x00y' is not a topic")
    async with in_transaction() as connection:
        await outbox.stage_dead_letter(connection, letter)
    [kept] = await _kept(marker)
    assert kept.reason == "ValueError: 'x\ufffdy' is not a topic"
