"""A ledger shard: owns a fixed set of partitions and the ledger of every user on them, and
carries out their recurring series (actors/due_dates.py).
Next: actors/domain/ledger.py applies each event to its user's ledger."""

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from uuid import UUID

import ray

from actors import ledger_memory, naming, placement
from actors.actor_loop import LoopFailed, NotReady
from actors.consumer_loop import ConsumerLoop, Window
from actors.domain import payloads, snapshots
from actors.domain.dead_letter import DeadLetter, reason_of
from actors.domain.errors import LedgerBehind, NotFound
from actors.domain.events import Event, Record, verified
from actors.domain.ledger import (
    FROM_EVENTS_ALONE,
    LEDGER_TOPICS,
    ApplyFailed,
    BudgetForecast,
    BudgetPosition,
    GoalPosition,
    Ledger,
)
from actors.domain.payloads import LedgerEvent
from actors.domain.signatures import EventKey
from actors.due_dates import DueDates
from actors.ledger_memory import LedgerMemory
from actors.ownership import Ownership
from adapters import ledger_store, logs, metrics, offsets, scheduled
from adapters.config import Settings
from adapters.ledger_store import Checkpoint
from adapters.scheduled import Schedules

log = logging.getLogger(__name__)

CONSUMER = "ledger"
READ_WAIT_SECONDS = 5.0
WINDOW_SECONDS = 0.05
WINDOW_RECORDS = 10_000
# The checkpoint (snapshots and offsets) is saved at most this often while records flow, at
# once when they stop, for any dead letter, and at UNSAVED_USERS; the alerts that a replay
# raises again the same (FROM_EVENTS_ALONE) go ahead of it, the early warnings with it.
# A ledger written to by many windows in a second is saved once; a crash replays at most this.
CHECKPOINT_SECONDS = 1.0
UNSAVED_USERS = 10_000  # ledgers changed since the checkpoint that make it due at once
USERS_AT_ONCE = 1_000  # of a window, woken at a time (see apply_window)

Decode = Callable[[Record], LedgerEvent]


def decoder(event_key: EventKey) -> Decode:
    """A ledger record's one decode step: the signature verified, then the event decoded into
    its topic's typed schema, which validates it as the ledger will apply it. Anything else
    raises, and the record is dead-lettered."""

    def decode(record: Record) -> LedgerEvent:
        return payloads.read(record.topic, verified(record, event_key))

    return decode


async def apply_window(
    records: Sequence[Record],
    ledgers: LedgerMemory,
    decode: Decode,
    today: date | None = None,
    schedules: Callable[[set[UUID]], Awaitable[Schedules]] | None = None,
) -> Checkpoint:
    """Decode each record in its own guard, apply each user's events in sequence order, and
    return what the window changed, for the shard's next checkpoint.

    Nothing a record holds makes this raise. A record that does not decode is dead-lettered.
    An event that fails to apply (a bug, or a producer writing what its schema let by) is
    dead-lettered and logged as an error; its user's ledger, which may be half changed, is read
    again from its last snapshot (as last applied, saved or not) and the user's other events of
    the window applied again, stepping over that event's number so that the events after it
    still count."""
    checkpoint = Checkpoint(offsets=offsets.after(records))
    arrived: dict[UUID, list[tuple[Record, LedgerEvent]]] = {}  # in the order they came
    partitions: dict[UUID, int] = {}
    for record in records:
        try:
            event = decode(record)
        except Exception as error:
            _dead_letter(checkpoint, DeadLetter.of(record, reason_of(error)))
            continue
        arrived.setdefault(event.user_id, []).append((record, event))
        partitions[event.user_id] = record.partition
    raised: dict[UUID, list[Event]] = {}
    skipped: dict[UUID, set[int]] = {}
    users = list(arrived)
    # The users' recurring expenses, for the early warning: read once for the window.
    plans = await schedules(set(users)) if schedules and users else {}
    await ledgers.load(users)
    # A UTC date is near enough: what is kept reaches years back.
    today = today or datetime.now(UTC).date()
    # A window of many users wakes them a group at a time, each group put back to rest beyond
    # the awake limit before the next wakes: memory peaks at the limit and a group, not the
    # limit and the window's users (whose freed objects Python would keep as its own).
    for first in range(0, len(users), USERS_AT_ONCE):
        group = users[first : first + USERS_AT_ONCE]
        await _apply_group(group, ledgers, arrived, plans, raised, skipped, checkpoint)
        saved: dict[UUID, bytes] = {}
        for user_id in group:
            ledger = ledgers.get(user_id)
            ledger.forget_before(today)
            ledger.schedule = None
            saved[user_id] = snapshots.dump(ledger)
            checkpoint.snapshots[user_id] = (partitions[user_id], saved[user_id])
        ledgers.settle(saved)
    checkpoint.events = [alert for alerts in raised.values() for alert in alerts]
    return checkpoint


async def _apply_group(
    users: list[UUID],
    ledgers: LedgerMemory,
    arrived: dict[UUID, list[tuple[Record, LedgerEvent]]],
    plans: Schedules,
    raised: dict[UUID, list[Event]],
    skipped: dict[UUID, set[int]],
    checkpoint: Checkpoint,
) -> None:
    """Apply the users' events to their ledgers, the alerts into `raised`; a user whose event
    is refused has it dead-lettered and the others applied again to the saved ledger."""
    pending = set(users)  # loaded by the window
    while pending:
        again = set()
        for user_id in pending:
            ledger = ledgers.get(user_id)
            ledger.schedule = plans.get(user_id)
            try:
                raised[user_id] = _accept(ledger, arrived[user_id], skipped)
            except _Refused as refused:
                _dead_letter(checkpoint, refused.letter, refused.number)
                arrived[user_id] = [(r, e) for r, e in arrived[user_id] if e is not refused.event]
                ledgers.forget(user_id)
                again.add(user_id)
        pending = again
        await ledgers.load(pending)


class _Refused(Exception):
    """An event its ledger could not take, with its dead letter and the number to step over."""

    def __init__(self, event: LedgerEvent, letter: DeadLetter, number: int | None) -> None:
        self.event, self.letter, self.number = event, letter, number


def _accept(
    ledger: Ledger, events: list[tuple[Record, LedgerEvent]], skipped: dict[UUID, set[int]]
) -> list[Event]:
    """The user's events of the window applied, after stepping over the numbers that failed;
    the alerts raised. _Refused for the first event that cannot be applied."""
    raised: list[Event] = []
    try:
        for number in sorted(skipped.get(ledger.user_id, ())):
            raised += ledger.skip(number)
        for record, event in events:
            try:
                raised += ledger.accept(event)
            except ApplyFailed:
                raise
            except Exception as error:  # not a ledger event at all: no number to step over
                raise _Refused(event, DeadLetter.of(record, reason_of(error)), None) from error
    except ApplyFailed as failure:
        number = failure.event.payload.sequence
        skipped.setdefault(ledger.user_id, set()).add(number)
        raise _Refused(failure.event, _letter(failure, number, events), number) from failure
    return raised


def _letter(
    failure: ApplyFailed, number: int, events: list[tuple[Record, LedgerEvent]]
) -> DeadLetter:
    reason = f"applying it failed, so sequence {number} is stepped over: {failure}"
    # The event that failed may be one held in the ledger since an earlier window.
    records = [record for record, event in events if event is failure.event]
    if records:
        return DeadLetter.of(records[0], reason)
    failed = failure.event
    return DeadLetter(failed.type.value, failed.key, failed.to_json(), reason)


def _dead_letter(
    checkpoint: Checkpoint, letter: DeadLetter, stepped_over: int | None = None
) -> None:
    checkpoint.dead_letters.append(letter)
    # Not a malformed record, when a number is stepped over: a checked event that the ledger
    # could not apply, which is a bug.
    logs.dead_lettered(log, "ledger", letter, error=stepped_over is not None)


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class LedgerShard:
    def __init__(self, settings: Settings, index: int) -> None:
        assert settings.event_key
        logs.configure(settings.log_format)
        self._name = naming.ledger_shard(index)
        self._decode = decoder(EventKey(settings.event_key))
        self._ledgers = LedgerMemory(settings.awake_ledgers, self._snapshots)
        # What the windows applied since the last checkpoint saved changed.
        self._unsaved = Checkpoint()
        self._saved_at = 0.0
        self._applied = asyncio.Condition()
        self._events_applied = 0
        partitions = Ownership.of(settings).partitions_of(index)
        self._consumer = ConsumerLoop(
            self._name,
            settings,
            consumer=CONSUMER,
            topics=[topic.value for topic in LEDGER_TOPICS],
            partitions=partitions,
            handle=self._apply,
            window_records=WINDOW_RECORDS,
            window_seconds=WINDOW_SECONDS,
            quiet=self._save,
        )
        # The recurring series of the users it owns: one owner, as for their ledgers.
        self._due_dates = DueDates(
            f"{naming.ledger_shard(index)} due dates", partitions, self._consumer.loop.ready
        )
        ledger_memory.collect_less()

    # -- reads

    async def ready(self) -> dict[str, int]:
        """Once the consumer is assigned; raises what the loop is waiting for, or why it failed."""
        await self._consumer.loop.ready()
        await self._due_dates.loop.ready()
        return {
            "pid": os.getpid(),
            "users": len(self._ledgers),
            "events_applied": self._events_applied,
            "recurring_written": self._due_dates.written,
        }

    async def carry_out_recurring(self, user_id: UUID) -> int:
        """Write the user's recurring transactions due by now (a series was just created or
        changed); how many. Safe to call twice, or beside the shard's own rounds."""
        try:
            await self._due_dates.loop.ready(READ_WAIT_SECONDS)
        except (NotReady, LoopFailed) as error:
            raise LedgerBehind() from error
        return await self._due_dates.of_user(user_id)

    async def budgets(self, user_id: UUID, sequence: int, day: date) -> list[BudgetPosition]:
        ledger = await self._caught_up(user_id, sequence)
        return [ledger.budget_position(b, day) for b in ledger.budgets.values()]

    async def budget(
        self, user_id: UUID, sequence: int, budget_id: UUID, day: date
    ) -> BudgetPosition:
        ledger = await self._caught_up(user_id, sequence)
        if budget_id not in ledger.budgets:
            raise NotFound("budget")
        return ledger.budget_position(ledger.budgets[budget_id], day)

    async def forecasts(self, user_id: UUID, sequence: int, today: date) -> list[BudgetForecast]:
        ledger = await self._caught_up(user_id, sequence)
        plan = (await scheduled.of_users([user_id])).get(user_id, {})
        return [
            ledger.budget_forecast(b, today, plan.get(b.category, ()))
            for b in ledger.budgets.values()
        ]

    async def forecast(
        self, user_id: UUID, sequence: int, budget_id: UUID, today: date
    ) -> BudgetForecast:
        ledger = await self._caught_up(user_id, sequence)
        if budget_id not in ledger.budgets:
            raise NotFound("budget")
        budget = ledger.budgets[budget_id]
        plan = (await scheduled.of_users([user_id])).get(user_id, {})
        return ledger.budget_forecast(budget, today, plan.get(budget.category, ()))

    async def goals(self, user_id: UUID, sequence: int, today: date) -> list[GoalPosition]:
        ledger = await self._caught_up(user_id, sequence)
        return [ledger.goal_position(g, today) for g in ledger.goals.values()]

    async def goal(self, user_id: UUID, sequence: int, goal_id: UUID, today: date) -> GoalPosition:
        ledger = await self._caught_up(user_id, sequence)
        if goal_id not in ledger.goals:
            raise NotFound("goal")
        return ledger.goal_position(ledger.goals[goal_id], today)

    async def _caught_up(self, user_id: UUID, sequence: int) -> Ledger:
        """The user's ledger once it has applied `sequence`; waits a bounded time for it."""
        try:
            await self._consumer.loop.ready(READ_WAIT_SECONDS)
        except (NotReady, LoopFailed) as error:
            raise LedgerBehind() from error
        await self._ledgers.load({user_id})
        if self._ledgers.sequence(user_id) < sequence:
            self._consumer.wake()
            try:
                async with self._applied:
                    await asyncio.wait_for(
                        self._applied.wait_for(lambda: self._ledgers.sequence(user_id) >= sequence),
                        READ_WAIT_SECONDS,
                    )
            except TimeoutError as error:
                raise LedgerBehind() from error
        return self._ledgers.read(user_id)

    # -- the consumer loop's step

    async def _apply(self, window: Window) -> None:
        checkpoint = await apply_window(
            window, self._ledgers, self._decode, schedules=scheduled.of_users
        )
        # A failure of a save ends the actor: memory is ahead of the database, and the
        # restarted shard resumes from the last checkpoint saved.
        self._unsaved.add(checkpoint)
        due = time.monotonic() - self._saved_at >= CHECKPOINT_SECONDS
        if due or checkpoint.dead_letters or len(self._unsaved.snapshots) >= UNSAVED_USERS:
            await self._save()
        elif early := [a for a in self._unsaved.events if a.type in FROM_EVENTS_ALONE]:
            await ledger_store.stage_alerts(early)
            held = [a for a in self._unsaved.events if a.type not in FROM_EVENTS_ALONE]
            self._unsaved.events = held
        self._events_applied += len(window)
        async with self._applied:
            self._applied.notify_all()
        letters = Counter(letter.topic for letter in checkpoint.dead_letters)
        metrics.events_applied(self._name, Counter(record.topic for record in window) - letters)
        metrics.dead_letters(self._name, letters)
        metrics.alerts(Counter(alert.type.value for alert in checkpoint.events))

    async def _save(self) -> None:
        """Save the checkpoint, with the alerts not staged yet."""
        if self._unsaved:
            await ledger_store.save(CONSUMER, self._unsaved)
            self._unsaved = Checkpoint()
        self._saved_at = time.monotonic()

    async def _snapshots(self, users: list[UUID]) -> list[tuple[UUID, bytes]]:
        """The ledgers as last applied, for LedgerMemory: the unsaved ones from memory (a ledger
        read again after a failed event must not go back past windows already consumed)."""
        unsaved = self._unsaved.snapshots
        found = [(u, unsaved[u][1]) for u in users if u in unsaved]
        if stored := [u for u in users if u not in unsaved]:
            found += await ledger_store.load_snapshots(stored)
        return found


def start(settings: Settings) -> list[ray.actor.ActorHandle]:
    return [
        LedgerShard.options(  # type: ignore[attr-defined]
            name=naming.ledger_shard(index),
            namespace=naming.NAMESPACE,
            get_if_exists=True,
            **placement.options(naming.ActorKind.LEDGER_SHARD, settings),
        ).remote(settings, index)
        for index in range(settings.ledger_shards)
    ]
