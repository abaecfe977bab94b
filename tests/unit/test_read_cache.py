"""A replica's copy of shard answers: served only for the sequence it was read for."""

from collections.abc import Awaitable, Callable
from uuid import uuid4

from adapters.config import Settings
from serve.ledger_reader import LedgerReader
from serve.read_cache import ReadCache


def test_an_answer_is_served_again_for_its_sequence_and_key_only() -> None:
    cache, user = ReadCache(), uuid4()
    cache.put(user, 3, ("budgets", "2026-11-30"), ["positions at 3"])
    assert cache.get(user, 3, ("budgets", "2026-11-30")) == ["positions at 3"]
    assert cache.get(user, 4, ("budgets", "2026-11-30")) is None  # a write since
    assert cache.get(user, 3, ("budgets", "2026-12-01")) is None  # another day
    assert cache.get(uuid4(), 3, ("budgets", "2026-11-30")) is None  # someone else


def test_a_newer_sequence_replaces_the_older_answers() -> None:
    cache, user = ReadCache(), uuid4()
    cache.put(user, 3, "budgets", "at 3")
    cache.put(user, 3, "goals", "goals at 3")
    cache.put(user, 4, "budgets", "at 4")
    assert cache.get(user, 4, "budgets") == "at 4"
    assert cache.get(user, 4, "goals") is None
    assert cache.get(user, 3, "goals") is None


def test_a_slow_read_of_an_older_sequence_does_not_replace_a_newer_one() -> None:
    cache, user = ReadCache(), uuid4()
    cache.put(user, 5, "budgets", "at 5")
    cache.put(user, 4, "budgets", "at 4")
    assert cache.get(user, 5, "budgets") == "at 5"
    assert cache.get(user, 4, "budgets") is None


def test_beyond_its_size_the_user_stored_longest_ago_goes() -> None:
    cache = ReadCache(users_kept=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    cache.put(first, 1, "budgets", "first")
    cache.put(second, 1, "budgets", "second")
    cache.put(first, 2, "budgets", "first again")
    cache.put(third, 1, "budgets", "third")
    assert cache.get(second, 1, "budgets") is None
    assert cache.get(first, 2, "budgets") == "first again"
    assert cache.get(third, 1, "budgets") == "third"


async def test_an_answer_made_from_the_positions_is_made_once_per_sequence() -> None:
    reader, user = LedgerReader(Settings()), uuid4()
    made: list[int] = []

    def making(sequence: int) -> Callable[[], Awaitable[bytes]]:
        async def make() -> bytes:
            made.append(sequence)
            return b"answer at %d" % sequence

        return make

    assert await reader.kept(user, 3, ("budgets answer", 1), making(3)) == b"answer at 3"
    assert await reader.kept(user, 3, ("budgets answer", 1), making(3)) == b"answer at 3"
    assert await reader.kept(user, 4, ("budgets answer", 1), making(4)) == b"answer at 4"
    assert made == [3, 4]
