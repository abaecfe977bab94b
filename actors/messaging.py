"""The messaging actor: reads the notifiable events, claims their messages in the delivery log,
and wakes the courier of each channel that has something to send.
Next: adapters/deliveries.py, where the messages are claimed."""

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import ray

from actors import naming, placement
from actors.actor_loop import Part
from actors.consumer_loop import ConsumerLoop, Window
from actors.domain.dead_letter import DeadLetter, reason_of
from actors.domain.events import Record, Topic
from actors.domain.messages import Message, Profile, compose
from actors.domain.payloads import Notice, read_signed_notice
from actors.domain.preferences import NOTIFIABLE, Channel
from actors.domain.signatures import EventKey
from actors.ownership import Ownership
from adapters import deliveries, logs, metrics, offsets, recipients
from adapters.config import Settings

log = logging.getLogger(__name__)

WINDOW_RECORDS = 200
WINDOW_SECONDS = 0.05
# A record that is not an event is dead-lettered by its topic's owner, once: the ledger shards
# own transaction_created; this actor owns the topics only it reads.
OWNED = frozenset(NOTIFIABLE) - {Topic.TRANSACTION_CREATED}

Decode = Callable[[Record], Notice]
# The profiles of the users who may be sent something, given each user's kinds of event.
Profiles = Callable[[Mapping[UUID, set[str]]], Awaitable[Mapping[UUID, Profile]]]


async def compose_window(
    records: Sequence[Record], profiles: Profiles, decode: Decode
) -> tuple[list[Message], list[DeadLetter]]:
    """The messages the records' events give, and the dead letters of the records that do not
    decode (on the topics this actor owns) or whose message cannot be composed. Nothing a record
    holds makes this raise: each is decoded and composed in its own guard."""
    messages: list[Message] = []
    letters: list[DeadLetter] = []
    events: list[tuple[Record, Notice]] = []
    for record in records:
        try:
            events.append((record, decode(record)))
        except Exception as error:
            if record.topic in OWNED:
                letters.append(_dead_letter(record, reason_of(error)))
    kinds: dict[UUID, set[str]] = {}
    for _, event in events:
        kinds.setdefault(event.user_id, set()).add(event.type.value)
    found = await profiles(kinds)
    for record, event in events:
        profile = found.get(event.user_id)
        if profile is None:
            continue  # no such account (any more): nobody to write to
        try:
            messages += compose(event, profile)
        except Exception as error:
            letters.append(_dead_letter(record, f"no message composed: {reason_of(error)}"))
    return messages, letters


def _dead_letter(record: Record, reason: str) -> DeadLetter:
    letter = DeadLetter.of(record, reason)
    logs.dead_lettered(log, naming.MESSAGING, letter)
    return letter


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class Messaging:
    """Reads every partition of every notifiable topic: assigned by itself (no consumer group),
    and resumed from the offsets saved with its claims."""

    def __init__(self, settings: Settings) -> None:
        assert settings.event_key
        logs.configure(settings.log_format)
        event_key = EventKey(settings.event_key)
        self._decode: Decode = lambda record: read_signed_notice(record, event_key)
        self._couriers: dict[Channel, Any] = {}
        self._handled = 0
        self._consumer = ConsumerLoop(
            naming.MESSAGING,
            settings,
            consumer=naming.MESSAGING,
            topics=[topic.value for topic in NOTIFIABLE],
            partitions=Ownership.of(settings).every_partition(),
            handle=self._handle,
            window_records=WINDOW_RECORDS,
            window_seconds=WINDOW_SECONDS,
            before=[Part("the couriers", self._find_couriers)],
        )

    async def ready(self) -> int:
        """Once the consumer is assigned; raises what the loop is waiting for, or why it failed.
        Returns how many records it has handled."""
        await self._consumer.loop.ready()
        return self._handled

    async def _find_couriers(self) -> None:
        # Found by name rather than passed in: handles among the constructor's arguments would
        # live in the object store, owned by the process that created this actor.
        for channel in Channel:
            self._couriers[channel] = await asyncio.to_thread(
                ray.get_actor, naming.courier(channel), naming.NAMESPACE
            )

    async def _handle(self, window: Window) -> None:
        messages, letters = await compose_window(window, recipients.profiles, self._decode)
        claims = deliveries.Claims(naming.MESSAGING, messages, letters, offsets.after(window))
        # The claims and the offsets commit together: a restart resumes right after them.
        for channel in await deliveries.claim(claims, datetime.now(UTC)):
            # Fire and forget: a courier that misses this finds the work at its next poll.
            self._couriers[channel].wake.remote()
        self._handled += len(window)
        metrics.dead_letters(naming.MESSAGING, Counter(letter.topic for letter in letters))
        for kept_back, count in Counter(m.channel.value for m in claims.suppressed).items():
            metrics.notifications(kept_back, "suppressed", count)


def start(settings: Settings) -> ray.actor.ActorHandle:
    return Messaging.options(  # type: ignore[attr-defined]
        name=naming.MESSAGING,
        namespace=naming.NAMESPACE,
        get_if_exists=True,
        **placement.options(naming.ActorKind.MESSAGING, settings),
    ).remote(settings)
