"""The users' last ledger sequences as reads look them up, in batches: each lookup gets its own
user's, and sees every change committed before it was asked, batches in flight or not."""

import asyncio
from uuid import UUID, uuid4

import pytest
from tortoise import connections

from actors.domain.errors import NotFound
from adapters.config import Settings
from serve.last_sequences import LastSequences
from tests.integration.accounts import new_user


async def _user() -> UUID:
    return await new_user("Reader")


async def _change(user_id: UUID) -> int:
    """A committed change of the user's ledger: the next number of its sequence."""
    rows = await connections.get("default").execute_query_dict(
        "UPDATE users SET sequence = sequence + 1 WHERE id = $1 RETURNING sequence", [user_id]
    )
    return int(rows[0]["sequence"])


async def test_lookups_asked_together_each_get_their_own_users(db: Settings) -> None:
    first, second = await _user(), await _user()
    await connections.get("default").execute_query(
        "UPDATE users SET timezone = 'Asia/Tokyo' WHERE id = $1", [second]
    )
    await _change(second)
    sequences = LastSequences()
    answers = await asyncio.gather(
        sequences.of(first), sequences.of(second), sequences.of(first), sequences.of(second)
    )
    assert answers == [(0, "UTC"), (1, "Asia/Tokyo"), (0, "UTC"), (1, "Asia/Tokyo")]


async def test_an_unknown_user_is_not_found_and_the_others_of_its_batch_are(db: Settings) -> None:
    known = await _user()
    sequences = LastSequences()
    unknown, found = await asyncio.gather(
        sequences.of(uuid4()), sequences.of(known), return_exceptions=True
    )
    assert isinstance(unknown, NotFound)
    assert found == (0, "UTC")
    with pytest.raises(NotFound):
        await sequences.of(uuid4())  # alone in its batch


async def test_a_lookup_sees_every_change_committed_before_it_was_asked(db: Settings) -> None:
    """Read-your-writes under load: tasks that each commit a change and then look the sequence
    up, side by side, so that lookups are asked while others' batches are in flight."""
    user = await _user()
    sequences = LastSequences()
    behind: list[tuple[int, int]] = []

    async def change_then_look() -> None:
        for _ in range(25):
            written = await _change(user)
            seen, _zone = await sequences.of(user)
            if seen < written:
                behind.append((written, seen))

    await asyncio.gather(*(change_then_look() for _ in range(8)))
    assert behind == []
    assert await sequences.of(user) == (200, "UTC")


async def test_a_cancelled_lookup_leaves_the_others_of_its_batch_answered(db: Settings) -> None:
    first, second = await _user(), await _user()
    sequences = LastSequences()
    cancelled = asyncio.create_task(sequences.of(first))
    answered = asyncio.create_task(sequences.of(second))
    # One step of the loop: both tasks ask, in that order, before their batch is sent.
    await asyncio.sleep(0)
    cancelled.cancel()
    assert await answered == (0, "UTC")
    assert cancelled.cancelled()
    assert await sequences.of(first) == (0, "UTC")
