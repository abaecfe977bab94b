from uuid import uuid4

from actors.domain import snapshots
from actors.ledger_memory import LedgerMemory
from tests.unit.ledger_events import Stream, feed


def test_ledgers_beyond_the_limit_rest_and_wake_unchanged() -> None:
    memory = LedgerMemory(awake=2)
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
        assert budget.spent == {start: 85 for start in budget.spent} and len(budget.spent) == 1
        memory.settle({})


def test_a_stored_ledger_rests_until_needed_and_unknown_users_are_at_sequence_zero() -> None:
    stream = Stream()
    original = stream.ledger()
    feed(original, stream.budget(uuid4(), "50"), stream.expense("10.00"))
    memory = LedgerMemory(awake=10)
    memory.add(stream.user_id, snapshots.dump(original))
    assert stream.user_id in memory and memory.sequence(stream.user_id) == 2
    assert memory.get(stream.user_id) == original
    assert memory.sequence(uuid4()) == 0


def test_resting_takes_the_snapshot_just_saved_instead_of_dumping_again() -> None:
    memory = LedgerMemory(awake=1)
    first, second = Stream(), Stream()
    memory.add(first.user_id, None)
    memory.add(second.user_id, None)
    written = first.ledger()
    feed(written, first.budget(uuid4(), "50"))  # what the shard wrote for `first` at sequence 1
    feed(memory.get(first.user_id), first.budget(uuid4(), "50"))
    memory.get(second.user_id)
    memory.settle({first.user_id: snapshots.dump(written)})
    assert memory.get(first.user_id) == written
