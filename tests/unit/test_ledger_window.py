"""A ledger shard's decode-and-apply step without Kafka: any records, hostile or not, signed or
not, are each applied or dead-lettered, nothing raises out of the step, dead letters stay under
their cap, and later valid events for the same users still count."""

import json
from datetime import date
from uuid import UUID, uuid4

from hypothesis import given
from msgspec.structs import force_setattr

from actors.domain import dead_letter, snapshots
from actors.domain.events import Event, Topic
from actors.domain.payloads import LedgerEvent
from actors.ledger_memory import LedgerMemory
from actors.ledger_shard import apply_window, decoder
from adapters.ledger_store import Checkpoint
from tests.unit import hostile_events as hostile
from tests.unit.hostile_events import KEY, Rec, signed
from tests.unit.ledger_events import Stream
from tests.unit.test_ledger_memory import SavedSnapshots

DECODE = decoder(KEY)
DAY = date(2024, 6, 12)
REACH = 1000


def _records(events: list[Event], first_offset: int = 0) -> list[Rec]:
    return [
        signed(e.type.value, 0, first_offset + i, e.key, e.to_json()) for i, e in enumerate(events)
    ]


def _dead_lettered(checkpoint: Checkpoint) -> set[tuple[str, int | None, int | None]]:
    return {(d.topic, d.partition, d.offset) for d in checkpoint.dead_letters}


def _decoded(record: Rec) -> LedgerEvent | None:
    try:
        return DECODE(record)
    except Exception:
        return None


@given(hostile.records(hostile.ledger_topics))
async def test_every_record_is_applied_or_dead_lettered_and_later_events_still_count(
    records: list[Rec],
) -> None:
    store = SavedSnapshots()
    memory = LedgerMemory(2, store.fetch)
    checkpoint = await apply_window(records, memory, DECODE)

    dead = _dead_lettered(checkpoint)
    for record in records:
        event = _decoded(record)
        if event is None:
            assert (record.topic, record.partition, record.offset) in dead
            continue
        assert (record.topic, record.partition, record.offset) not in dead
        ledger = memory.get(event.user_id)
        number = event.payload.sequence
        assert number <= ledger.sequence or number in ledger.pending  # applied, or held
    for letter in checkpoint.dead_letters:
        assert len(letter.to_json()) <= dead_letter.LARGEST and letter.reason
        assert "stepped over" not in letter.reason  # decoding lets by only what applies
    last = {(r.topic, r.partition): r.offset + 1 for r in records}
    assert checkpoint.offsets == last

    # Saved, then read back by a restarted shard: valid events for each user fill any gap and
    # go past every number seen, and count.
    for user_id, (_, state) in checkpoint.snapshots.items():
        store.saved[user_id] = state
    restarted = LedgerMemory(2, store.fetch)
    later: list[Event] = []
    budgets: dict[UUID, UUID] = {}
    for user_id in hostile.USERS:
        stream = Stream(user_id)
        held = memory.get(user_id) if user_id in memory else stream.ledger()
        stream.sequence = held.sequence
        # Hostile numbers far ahead (2**63) are held for ever, rightly: never reached.
        reached = max(n for n in [held.sequence, *held.pending, *held.skipped] if n < REACH)
        for _ in range(held.sequence + 1, reached + 1):
            later.append(stream.delete_goal(uuid4()))  # fills a gap; changes nothing
        budgets[user_id] = uuid4()
        later += [
            stream.budget(budgets[user_id], "10.00", "later", "weekly", today=DAY),
            stream.expense("12.00", "later", day=DAY),
        ]
    after = await apply_window(_records(later, 1000), restarted, DECODE)
    assert not after.dead_letters
    for user_id in hostile.USERS:
        ledger = restarted.get(user_id)
        assert snapshots.load(user_id, after.snapshots[user_id][1]) == ledger
        position = ledger.budget_position(ledger.budgets[budgets[user_id]], DAY)
        assert position.spent == 12 and position.status == "exceeded"
    assert {(a.type, a.user_id) for a in after.events} >= {
        (Topic.BUDGET_EXCEEDED, u) for u in hostile.USERS
    }


async def test_poison_from_the_issue_is_dead_lettered_and_the_user_goes_on() -> None:
    user = hostile.USERS[0]
    stream = Stream(user)
    budget = uuid4()
    good = [stream.budget(budget, "10.00", period="weekly", today=DAY)]
    good.append(stream.expense("12.00", day=date.max))  # in the calendar's last week
    as_number = json.loads(good[1].to_json()) | {"user_id": 12345}
    poison_values: list[bytes | None] = [
        None,
        b"",
        b"\xff" * 200_000,
        b"[" * 200_000 + b"]" * 200_000,
        json.dumps(as_number).encode(),
    ]
    key = str(user).encode()
    window = [signed("transaction_created", 1, i, key, v) for i, v in enumerate(poison_values)]
    window += _records(good, 100)
    checkpoint = await apply_window(window, LedgerMemory(4, SavedSnapshots().fetch), DECODE)
    assert len(checkpoint.dead_letters) == len(poison_values)
    reasons = [json.loads(d.to_json())["reason"] for d in checkpoint.dead_letters]
    assert (
        all(reasons) and "Expected `object`, got `array`" in reasons[3] and "user_id" in reasons[4]
    )
    restored = snapshots.load(user, checkpoint.snapshots[user][1])
    position = restored.budget_position(restored.budgets[budget], date.max)
    assert position.spent == 12 and position.period_end == date.max


async def test_an_event_that_fails_to_apply_is_stepped_over_and_the_later_ones_count() -> None:
    # A decode with a bug lets through an expense that the ledger cannot apply: its number is
    # stepped over, and its user's other events still count.
    user = hostile.USERS[1]
    stream = Stream(user)
    budget = uuid4()
    store = SavedSnapshots()
    first = await apply_window(
        _records([stream.budget(budget, "100.00", today=DAY)]),
        LedgerMemory(4, store.fetch),
        DECODE,
    )
    store.saved[user] = first.snapshots[user][1]

    ten, broken, twenty = (stream.expense(a, day=DAY) for a in ("10.00", "1.00", "20.00"))
    force_setattr(broken.payload, "amount", "ten")

    def unchecked(record: Rec) -> LedgerEvent:
        return broken if record.value == broken.to_json() else DECODE(record)

    # The broken one arrives first and waits for the one before it; it fails once that comes.
    memory = LedgerMemory(4, store.fetch)
    held = await apply_window(_records([broken, twenty], 10), memory, unchecked)
    assert not held.dead_letters
    store.saved[user] = held.snapshots[user][1]
    checkpoint = await apply_window(_records([ten], 20), memory, unchecked)

    [letter] = checkpoint.dead_letters
    body = json.loads(letter.to_json())
    assert body["topic"] == "transaction_created" and str(broken.id) in body["value"]
    assert "sequence 3 is stepped over" in body["reason"] and "InvalidOperation" in body["reason"]
    ledger = memory.get(user)
    assert ledger.sequence == 4 and not ledger.pending and not ledger.skipped
    assert ledger.budget_position(ledger.budgets[budget], DAY).spent == 30
    assert snapshots.load(user, checkpoint.snapshots[user][1]) == ledger


async def _saved_with_a_budget(user: UUID) -> tuple[Stream, SavedSnapshots]:
    """The user's event stream and a store holding their ledger saved with a weekly budget of
    10.00, as a shard's checkpoint left it."""
    stream = Stream(user)
    store = SavedSnapshots()
    first = await apply_window(
        _records([stream.budget(uuid4(), "10.00", period="weekly", today=DAY)]),
        LedgerMemory(4, store.fetch),
        DECODE,
    )
    store.saved[user] = first.snapshots[user][1]
    return stream, store


async def test_a_replay_raises_the_same_alerts_with_the_same_ids() -> None:
    # A shard that crashed after staging its alerts and before saving its ledger applies the
    # same records again from the same snapshot: the alerts it raises again are the same events.
    stream, store = await _saved_with_a_budget(hostile.USERS[2])
    user = stream.user_id
    spent = stream.expense("12.00", day=DAY)
    window = _records([spent], 10)

    raised = await apply_window(window, LedgerMemory(4, store.fetch), DECODE)
    again = await apply_window(window, LedgerMemory(4, store.fetch), DECODE)
    [alert] = raised.events
    assert alert.type == Topic.BUDGET_EXCEEDED
    assert [a.to_json() for a in again.events] == [alert.to_json()]

    # Spending falls below the limit and crosses it again: a new alert, with an id of its own.
    store.saved[user] = raised.snapshots[user][1]
    later = _records([stream.delete(spent), stream.expense("12.00", day=DAY)], 20)
    [rearmed] = (await apply_window(later, LedgerMemory(4, store.fetch), DECODE)).events
    assert rearmed.type == Topic.BUDGET_EXCEEDED and rearmed.id != alert.id


async def test_a_replay_in_other_windows_raises_the_same_alert_ids() -> None:
    # The topics are read side by side, so a replay may bring a user's events in another order
    # and other windows than the first time: an event held for an earlier one is applied with
    # it. Each alert keeps the id its own event gives it.
    stream, store = await _saved_with_a_budget(hostile.USERS[1])
    warned, exceeded = stream.expense("8.50", day=DAY), stream.expense("2.00", day=DAY)

    # First: the second expense arrives first and waits; the first lets both through at once.
    held = LedgerMemory(4, store.fetch)
    assert not (await apply_window(_records([exceeded], 10), held, DECODE)).events
    together = (await apply_window(_records([warned], 11), held, DECODE)).events
    # The replay: each in a window of its own, in sequence order.
    apart = LedgerMemory(4, store.fetch)
    one = (await apply_window(_records([warned], 20), apart, DECODE)).events
    two = (await apply_window(_records([exceeded], 21), apart, DECODE)).events

    assert [a.type for a in together] == [Topic.BUDGET_WARNING, Topic.BUDGET_EXCEEDED]
    assert [(a.id, a.to_json()) for a in together] == [(a.id, a.to_json()) for a in one + two]
