import asyncio
from collections.abc import Iterable
from uuid import UUID, uuid4

from actors.domain import snapshots
from actors.ledger_memory import LedgerMemory
from tests.unit.ledger_events import Stream, feed


class SavedSnapshots:
    """Snapshots as the shard's table holds them, counting the reads."""

    def __init__(self) -> None:
        self.saved: dict[UUID, bytes] = {}
        self.reads: list[list[UUID]] = []

    async def fetch(self, users: list[UUID]) -> Iterable[tuple[UUID, bytes]]:
        self.reads.append(sorted(users))
        await asyncio.sleep(0)  # a database round trip, during which others may ask
        return [(user, self.saved[user]) for user in users if user in self.saved]


def _memory(awake: int) -> LedgerMemory:
    return LedgerMemory(awake, SavedSnapshots().fetch)


def test_ledgers_beyond_the_limit_rest_and_wake_unchanged() -> None:
    memory = _memory(awake=2)
    streams = [Stream() for _ in range(5)]
    for stream in streams:
        memory.add(stream.user_id, None)
        budget = uuid4()
        feed(memory.get(stream.user_id), stream.budget(budget, "100"), stream.expense("85.00"))
        memory.settle({})
    assert len(memory) == 5
    for stream in streams:
        ledger = memory.get(stream.user_id)
        assert ledger.sequence == 2
        [budget] = ledger.budgets.values()
        assert budget.spent == {start: 85_00 for start in budget.spent} and len(budget.spent) == 1
        memory.settle({})


def test_a_stored_ledger_rests_until_needed_and_unknown_users_are_at_sequence_zero() -> None:
    stream = Stream()
    original = stream.ledger()
    feed(original, stream.budget(uuid4(), "50"), stream.expense("10.00"))
    memory = _memory(awake=10)
    memory.add(stream.user_id, snapshots.dump(original))
    assert stream.user_id in memory and memory.sequence(stream.user_id) == 2
    assert memory.get(stream.user_id) == original
    assert memory.sequence(uuid4()) == 0


def test_resting_takes_the_snapshot_just_saved_instead_of_dumping_again() -> None:
    memory = _memory(awake=1)
    first, second = Stream(), Stream()
    memory.add(first.user_id, None)
    memory.add(second.user_id, None)
    written = first.ledger()
    feed(written, first.budget(uuid4(), "50"))  # what the shard wrote for `first` at sequence 1
    feed(memory.get(first.user_id), first.budget(uuid4(), "50"))
    memory.get(second.user_id)
    memory.settle({first.user_id: snapshots.dump(written)})
    assert memory.get(first.user_id) == written


def test_a_ledger_saved_in_an_earlier_window_rests_as_saved_unless_asked_for_since() -> None:
    memory = _memory(awake=2)
    kept, changed, later = Stream(), Stream(), [Stream(), Stream()]
    for stream in (kept, changed, *later):
        memory.add(stream.user_id, None)
    written = kept.ledger()
    feed(written, kept.budget(uuid4(), "50"))  # what the shard wrote for `kept` at sequence 1
    feed(memory.get(kept.user_id), kept.budget(uuid4(), "50"))
    feed(memory.get(changed.user_id), changed.budget(uuid4(), "50"))
    memory.settle(
        {
            kept.user_id: snapshots.dump(written),
            changed.user_id: snapshots.dump(memory.get(changed.user_id)),
        }
    )
    feed(memory.get(changed.user_id), changed.expense("10.00"))  # after its snapshot was made
    for stream in later:  # the next window's users: `kept` and `changed` go to rest
        memory.get(stream.user_id)
    memory.settle({})
    assert memory.get(kept.user_id) == written
    assert memory.get(changed.user_id).sequence == 2


async def test_a_ledger_is_loaded_once_however_many_ask_and_read_again_once_forgotten() -> None:
    stream = Stream()
    saved = stream.ledger()
    feed(saved, stream.budget(uuid4(), "50"), stream.expense("10.00"))
    store = SavedSnapshots()
    store.saved[stream.user_id] = snapshots.dump(saved)
    memory = LedgerMemory(10, store.fetch)
    newcomer = uuid4()
    await asyncio.gather(*(memory.load({stream.user_id, newcomer}) for _ in range(3)))
    assert store.reads == [sorted([stream.user_id, newcomer])]
    assert memory.get(stream.user_id) == saved and memory.sequence(newcomer) == 0

    feed(memory.get(stream.user_id), stream.expense("5.00"))  # ahead of what is saved
    memory.forget(stream.user_id)
    assert stream.user_id not in memory
    await memory.load({stream.user_id})
    assert memory.get(stream.user_id) == saved
