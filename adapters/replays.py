"""A dead letter sent back through the normal path, once: an undeliverable message to its
courier, an unreadable record to its topic. Next: actors/courier.py or actors/outbox_relay.py."""

from datetime import datetime

from tortoise.transactions import in_transaction

from actors.domain.errors import Conflict
from adapters import audit, dead_letters, deliveries, outbox
from adapters.audit import Action, Actor
from adapters.models import DeadLetterRecord


async def replay(letter_id: int, actor: Actor, now: datetime) -> DeadLetterRecord:
    """Replay the dead letter and record who did, in one transaction; Conflict if it was
    replayed before (a replay that fails again is a new dead letter, replayed on its own)."""
    async with in_transaction() as connection:
        letter = await dead_letters.locked(connection, letter_id)
        if letter.replayed_at is not None:
            raise Conflict(f"dead letter {letter_id} was replayed at {letter.replayed_at}")
        if letter.delivery_id is not None:
            # The delivery log's row is the claim of the message: pending again, the courier
            # sends it once, and a second replay finds it no longer dead.
            if not await deliveries.revive(connection, letter.delivery_id, now):
                raise Conflict(f"the message of dead letter {letter_id} is no longer dead")
        else:
            # Published again as it was, through the relay, which signs it with today's key.
            await outbox.stage_record(connection, letter.topic, letter.key, letter.value)
        letter.replayed_at = now
        await letter.save(using_db=connection, update_fields=["replayed_at"])
        await audit.record(connection, actor, Action.REPLAY, f"dead letter {letter_id}")
    return letter
