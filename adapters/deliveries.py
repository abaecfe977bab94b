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

from tortoise import connections
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
    stage the dead letters and save the offsets, all in one transaction, a few statements
    whatever the number of messages. Returns the channels that have new messages to send."""
    woken: set[Channel] = set()
    async with in_transaction() as connection:
        for letter in claims.dead_letters:
            await outbox.stage_dead_letter(connection, letter)
        if claims.messages:
            users = sorted({m.user_id for m in claims.messages})
            await _lock_users(users, connection)
            fresh = await _unclaimed(claims.messages, connection)
            recent = await _counted_since(users, flood.window_start(now), connection)
            states: list[DeliveryState] = []
            for message in fresh:
                counted = recent.setdefault((message.user_id, message.channel.value), [])
                if flood.admits(message.channel, message.event_type, counted, now):
                    states.append(DeliveryState.PENDING)
                    woken.add(message.channel)
                    if flood.counts(message.event_type):
                        counted.append(now)
                else:
                    states.append(DeliveryState.SUPPRESSED)
                    claims.suppressed.append(message)
            await _insert(fresh, states, now, connection)
        await offsets.save(connection, claims.consumer, claims.offsets)
    return woken


async def _lock_users(users: list[UUID], connection: BaseDBAsyncClient) -> None:
    # The flood count is read, then added to: the lock serialises the claims of one user, so
    # the count holds even if two transactions ever claim for the same user at once. Taken in
    # the users' order, one statement for all.
    keys = [int.from_bytes(user_id.bytes[:4], "big", signed=True) for user_id in users]
    await connection.execute_query(
        "SELECT pg_advisory_xact_lock($1, key) FROM unnest($2::int[]) WITH ORDINALITY AS k(key, n)"
        " ORDER BY n",
        [_FLOOD_LOCK_CLASS, keys],
    )


async def _unclaimed(messages: list[Message], connection: BaseDBAsyncClient) -> list[Message]:
    """The messages without a row yet, each once."""
    unique = list({_claim_key(m): m for m in messages}.values())
    _, rows = await connection.execute_query(
        "SELECT event_id, channel, recipient FROM deliveries"
        " WHERE (event_id, channel, recipient) IN"
        " (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]))",
        [
            [m.event_id for m in unique],
            [m.channel.value for m in unique],
            [m.recipient for m in unique],
        ],
    )
    claimed = {(row["event_id"], row["channel"], row["recipient"]) for row in rows}
    return [m for m in unique if _claim_key(m) not in claimed]


def _claim_key(message: Message) -> tuple[UUID, str, str]:
    """What the delivery log holds once (its unique key): the event, channel and recipient."""
    return message.event_id, message.channel.value, message.recipient


async def _counted_since(
    users: list[UUID], since: datetime, connection: BaseDBAsyncClient
) -> dict[tuple[UUID, str], list[datetime]]:
    """When each user's counted messages on each channel were claimed, since `since`."""
    _, rows = await connection.execute_query(
        "SELECT user_id, channel, created_at FROM deliveries"
        " WHERE user_id = ANY($1::uuid[]) AND created_at > $2 AND state = ANY($3::text[])"
        " AND NOT event_type = ANY($4::text[])",
        [
            users,
            since,
            [DeliveryState.PENDING.value, DeliveryState.SENT.value],
            [t.value for t in flood.UNLIMITED],
        ],
    )
    recent: dict[tuple[UUID, str], list[datetime]] = {}
    for row in rows:
        recent.setdefault((row["user_id"], row["channel"]), []).append(row["created_at"])
    return recent


async def _insert(
    messages: list[Message],
    states: list[DeliveryState],
    now: datetime,
    connection: BaseDBAsyncClient,
) -> None:
    if not messages:
        return
    await connection.execute_query(
        "INSERT INTO deliveries (event_id, event_type, user_id, channel, recipient, state,"
        " subject, text, html, last_error, attempts, next_attempt_at, created_at)"
        " SELECT *, 0, $11::timestamptz, $11::timestamptz FROM unnest($1::uuid[], $2::text[],"
        " $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],"
        " $10::text[])",
        [
            [m.event_id for m in messages],
            [m.event_type.value for m in messages],
            [m.user_id for m in messages],
            [m.channel.value for m in messages],
            [m.recipient for m in messages],
            [state.value for state in states],
            [m.subject[:255] for m in messages],
            [m.text for m in messages],
            [m.html for m in messages],
            [
                None if state is DeliveryState.PENDING else flood.suppression_reason(m.channel)
                for m, state in zip(messages, states, strict=True)
            ],
            now,
        ],
    )


async def next_due(channel: Channel) -> datetime | None:
    """When the channel's next pending message falls due (a retry, or a lease that runs out):
    None when nothing is pending."""
    _, rows = await connections.get("default").execute_query(
        "SELECT min(next_attempt_at) FROM deliveries WHERE channel = $1 AND state = $2",
        [channel.value, DeliveryState.PENDING.value],
    )
    due: datetime | None = rows[0][0]
    return due


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
