"""The delivery log on the real PostgreSQL: claims, the flood rule, leases, dead letters."""

import contextlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from tortoise.transactions import in_transaction

from actors.domain.dead_letter import DeadLetter
from actors.domain.delivery import DeliveryState
from actors.domain.events import Topic
from actors.domain.messages import Message
from actors.domain.preferences import Channel
from adapters import deliveries, offsets
from adapters.config import Settings
from adapters.models import Delivery, OutboxEvent
from tests.integration import messages


class RollBack(Exception):
    pass


async def _staged(topic: str, marker: str) -> list[dict[str, Any]]:
    """The dead letters staged for the topic that mention the marker."""
    rows = await OutboxEvent.filter(topic=topic)
    return [json.loads(row.value) for row in rows if marker in bytes(row.value).decode()]


def _claims(*claimed: Message) -> deliveries.Claims:
    return deliveries.Claims("test", list(claimed))


async def test_a_message_is_claimed_once(db: Settings) -> None:
    message = messages.email()
    now = datetime.now(UTC)
    assert await deliveries.claim(_claims(message), now) == {Channel.EMAIL}
    assert await deliveries.claim(_claims(message), now) == set()  # a replay
    [row] = await Delivery.filter(event_id=message.event_id)
    assert row.state == DeliveryState.PENDING and row.recipient == message.recipient


async def test_a_window_that_reads_an_event_twice_claims_its_message_once(db: Settings) -> None:
    claimed, fresh = messages.email(), messages.email()
    now = datetime.now(UTC)
    await deliveries.claim(_claims(claimed), now)
    assert await deliveries.claim(_claims(claimed, fresh, fresh), now) == {Channel.EMAIL}
    rows = await Delivery.filter(event_id__in=[claimed.event_id, fresh.event_id])
    assert sorted(row.event_id for row in rows) == sorted([claimed.event_id, fresh.event_id])


async def test_a_burst_for_one_user_is_cut_at_the_flood_limit(db: Settings) -> None:
    first = messages.sms()
    burst = [first] + [replace(first, event_id=uuid4()) for _ in range(4)]
    await deliveries.claim(_claims(*burst), datetime.now(UTC))
    rows = await Delivery.filter(user_id=first.user_id).order_by("id")
    assert [row.state for row in rows] == ["pending"] * 3 + ["suppressed"] * 2
    assert rows[-1].last_error and "flood rule" in rows[-1].last_error


async def test_the_welcome_is_not_held_back(db: Settings) -> None:
    first = replace(messages.email(), event_type=Topic.USER_REGISTERED)
    burst = [first] + [replace(first, event_id=uuid4()) for _ in range(11)]
    await deliveries.claim(_claims(*burst), datetime.now(UTC))
    states = await Delivery.filter(user_id=first.user_id).values_list("state", flat=True)
    assert set(states) == {"pending"}


async def test_a_taken_message_is_leased(db: Settings) -> None:
    message = messages.sms()
    now = datetime.now(UTC)
    # Rolled back at the end: taking work leases every due row, the running couriers' too.
    with contextlib.suppress(RollBack):
        async with in_transaction():
            await deliveries.claim(_claims(message), now)
            taken = await deliveries.take_due(Channel.SMS, now, 1000)
            mine = [row for row in taken if row.event_id == message.event_id]
            assert [row.attempts for row in mine] == [1]
            again = await deliveries.take_due(Channel.SMS, now, 1000)
            assert message.event_id not in {row.event_id for row in again}
            after_lease = await deliveries.take_due(Channel.SMS, now + deliveries.LEASE * 2, 1000)
            assert message.event_id in {row.event_id for row in after_lease}
            raise RollBack
    assert not await Delivery.filter(event_id=message.event_id).exists()


async def test_a_courier_waits_for_the_earliest_pending_message(db: Settings) -> None:
    message = messages.sms()
    retry = datetime(2001, 1, 1, tzinfo=UTC)  # earlier than anything else pending
    with contextlib.suppress(RollBack):
        async with in_transaction():
            await deliveries.claim(_claims(message), datetime.now(UTC))
            [row] = await Delivery.filter(event_id=message.event_id)
            await deliveries.retry_at(row.id, retry, "the provider said later")
            assert await deliveries.next_due(Channel.SMS) == retry
            await deliveries.give_up(row, "no more tries", datetime.now(UTC))
            assert await deliveries.next_due(Channel.SMS) != retry  # no longer pending
            raise RollBack


async def test_giving_up_stages_one_dead_letter(db: Settings) -> None:
    message = messages.sms()
    later = datetime.now(UTC) + timedelta(days=2)
    await deliveries.claim(_claims(message), later)
    row = await Delivery.get(event_id=message.event_id)
    assert await deliveries.give_up(row, "permanent failure: 21211", later)
    assert not await deliveries.give_up(row, "permanent failure: 21211", later)
    [record] = await _staged(Topic.GOAL_ACHIEVED.dead_letter, str(message.event_id))
    assert record["reason"] == "permanent failure: 21211"
    assert json.loads(record["value"])["dedup_key"] == message.dedup_key
    assert (await Delivery.get(id=row.id)).state == DeliveryState.DEAD


async def test_claims_dead_letters_and_offsets_commit_together(db: Settings) -> None:
    consumer = f"test-{uuid4().hex[:8]}"
    message = messages.email()
    letter = DeadLetter(Topic.BUDGET_WARNING, b"key", f"garbage {uuid4()}".encode(), "unreadable")
    claims = deliveries.Claims(consumer, [message], [letter], {("budget_warning", 0): 7})
    with contextlib.suppress(RollBack):
        async with in_transaction():
            await deliveries.claim(claims, datetime.now(UTC))
            raise RollBack  # as if the process died before the commit
    assert await offsets.load(consumer) == {}
    assert not await Delivery.filter(event_id=message.event_id).exists()
    assert not await _staged(Topic.BUDGET_WARNING.dead_letter, letter.value.decode())

    await deliveries.claim(claims, datetime.now(UTC))
    assert await offsets.load(consumer) == {("budget_warning", 0): 7}
    assert await Delivery.filter(event_id=message.event_id).exists()
    [staged] = await _staged(Topic.BUDGET_WARNING.dead_letter, letter.value.decode())
    assert staged["reason"] == "unreadable"
    later = deliveries.Claims(consumer, offsets={("budget_warning", 0): 9})
    await deliveries.claim(later, datetime.now(UTC))
    assert await offsets.load(consumer) == {("budget_warning", 0): 9}
