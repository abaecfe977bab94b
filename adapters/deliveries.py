"""The delivery log in PostgreSQL: each message claimed once, and the couriers' queue of sends.
Next: actors/courier.py sends what is claimed.

Exactly once, and where it stops. The messaging actor claims a row per (event, channel,
recipient) before anything is sent, in the same transaction as the offsets it has consumed up
to: a restart resumes after the claims, and a replay finds the rows and sends nothing.
A courier sends only rows that are pending, marks each sent right after the provider accepted
it, and keeps a mark that failed to commit in memory to try again before sending anything else.
What remains is a process dying between the provider's acceptance and that commit: the row is
still pending, and once its lease ends it is sent again. We chose that (at least once in that
window) over the opposite (mark before sending, and lose the message if the process dies
mid-send), because a missed "budget exceeded" costs more than a rare second copy. SMTP and
Twilio take no idempotency key, so nothing downstream removes the copy, except that an e-mail
keeps its Message-ID (derived from the key), which mail stores and clients recognise.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from actors.domain import flood
from actors.domain.dead_letter import DeadLetter, undeliverable
from actors.domain.delivery import DeliveryState
from actors.domain.events import Topic
from actors.domain.messages import Message
from actors.domain.preferences import Channel
from adapters import offsets, outbox
from adapters.models import Delivery
from adapters.offsets import Offsets

# Longer than any send may take (SMTP and Twilio time out after 20 s): a row leased by a courier
# that died is picked up again when its lease ends.
LEASE = timedelta(seconds=30)
# Namespaces the per-user advisory lock of the flood count among the application's locks.
_FLOOD_LOCK_CLASS = 0x4C46


@dataclass
class Claims:
    """The messages one batch of events gives, with its dead letters and the offsets it
    reaches: claimed, staged and saved in one transaction."""

    consumer: str
    messages: list[Message] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    offsets: Offsets = field(default_factory=dict)
    #: Filled by `claim`: the messages the flood rule kept back.
    suppressed: list[Message] = field(default_factory=list)


async def claim(claims: Claims, now: datetime) -> set[Channel]:
    """Record each message not claimed before, as pending or (by the flood rule) suppressed,
    stage the dead letters and save the offsets, all in one transaction.
    Returns the channels that have new messages to send."""
    woken: set[Channel] = set()
    async with in_transaction() as connection:
        for letter in claims.dead_letters:
            await outbox.stage_dead_letter(connection, letter)
        for user_id in sorted({m.user_id for m in claims.messages}):
            await _lock_user(user_id, connection)
        for message in claims.messages:
            if await _claimed(message, connection):
                continue
            recent = await _counted_since(message, flood.window_start(now), connection)
            admitted = flood.admits(message.channel, message.event_type, recent, now)
            await Delivery.create(
                event_id=message.event_id,
                event_type=message.event_type.value,
                user_id=message.user_id,
                channel=message.channel.value,
                recipient=message.recipient,
                state=DeliveryState.PENDING if admitted else DeliveryState.SUPPRESSED,
                subject=message.subject[:255],
                text=message.text,
                html=message.html,
                next_attempt_at=now,
                created_at=now,
                last_error=None if admitted else flood.suppression_reason(message.channel),
                using_db=connection,
            )
            if admitted:
                woken.add(message.channel)
            else:
                claims.suppressed.append(message)
        await offsets.save(connection, claims.consumer, claims.offsets)
    return woken


async def _lock_user(user_id: UUID, connection: BaseDBAsyncClient) -> None:
    # The flood count is read, then added to: the lock serialises the claims of one user, so
    # the count holds even if two transactions ever claim for the same user at once.
    key = int.from_bytes(user_id.bytes[:4], "big", signed=True)
    await connection.execute_query("SELECT pg_advisory_xact_lock($1, $2)", [_FLOOD_LOCK_CLASS, key])


async def _claimed(message: Message, connection: BaseDBAsyncClient) -> bool:
    return (
        await Delivery.filter(
            event_id=message.event_id,
            channel=message.channel.value,
            recipient=message.recipient,
        )
        .using_db(connection)
        .exists()
    )


async def _counted_since(
    message: Message, since: datetime, connection: BaseDBAsyncClient
) -> list[datetime]:
    rows = await (
        Delivery.filter(
            user_id=message.user_id,
            channel=message.channel.value,
            created_at__gt=since,
            state__in=[DeliveryState.PENDING.value, DeliveryState.SENT.value],
        )
        .exclude(event_type__in=[t.value for t in flood.UNLIMITED])
        .using_db(connection)
        .only("created_at")
    )
    return [row.created_at for row in rows]


async def take_due(channel: Channel, now: datetime, limit: int) -> list[Delivery]:
    """Lease the pending messages whose time has come, counting an attempt for each."""
    async with in_transaction() as connection:
        rows = (
            await Delivery.filter(
                channel=channel.value,
                state=DeliveryState.PENDING.value,
                next_attempt_at__lte=now,
            )
            .order_by("next_attempt_at", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .using_db(connection)
        )
        if not rows:
            return []
        await (
            Delivery.filter(id__in=[row.id for row in rows])
            .using_db(connection)
            .update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
        )
    for row in rows:
        row.attempts += 1
    return rows


def as_message(row: Delivery) -> Message:
    return Message(
        event_id=row.event_id,
        event_type=Topic(row.event_type),
        user_id=row.user_id,
        channel=Channel(row.channel),
        recipient=row.recipient,
        subject=row.subject,
        text=row.text,
        html=row.html,
    )


async def mark_sent(delivery_id: int, provider_id: str, now: datetime) -> None:
    await Delivery.filter(id=delivery_id, state=DeliveryState.PENDING.value).update(
        state=DeliveryState.SENT.value, provider_id=provider_id[:255], sent_at=now
    )


async def retry_at(delivery_id: int, at: datetime, reason: str) -> None:
    await Delivery.filter(id=delivery_id, state=DeliveryState.PENDING.value).update(
        next_attempt_at=at, last_error=reason
    )


async def give_up(row: Delivery, reason: str, now: datetime) -> bool:
    """Mark the message dead and stage its dead letter, once; False if it was not pending."""
    async with in_transaction() as connection:
        changed = (
            await Delivery.filter(id=row.id, state=DeliveryState.PENDING.value)
            .using_db(connection)
            .update(state=DeliveryState.DEAD.value, last_error=reason)
        )
        if not changed:
            return False
        message = as_message(row)
        # Staged in the transaction that marks the message dead: one dead letter per message.
        body = undeliverable(
            dedup_key=message.dedup_key,
            event_id=message.event_id,
            event_type=message.event_type.value,
            user_id=message.user_id,
            channel=message.channel.value,
            recipient=message.recipient,
            attempts=row.attempts,
            failed_at=now,
        )
        letter = DeadLetter(
            message.event_type.value,
            str(message.user_id).encode(),
            body,
            reason,
            delivery_id=row.id,
        )
        await outbox.stage_dead_letter(connection, letter)
    return True


async def revive(connection: BaseDBAsyncClient, delivery_id: int, now: datetime) -> bool:
    """A dead message back to pending with its attempts reset, for its courier to send as if
    new; False if it is not dead (sent, or already revived). Its row is still the claim of its
    (event, channel, recipient): a revived message is sent once, like any other."""
    changed = (
        await Delivery.filter(id=delivery_id, state=DeliveryState.DEAD.value)
        .using_db(connection)
        .update(state=DeliveryState.PENDING.value, attempts=0, next_attempt_at=now, last_error=None)
    )
    return changed > 0
