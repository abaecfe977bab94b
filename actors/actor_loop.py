"""The loop every long-lived actor runs, with one failure policy: connect part by part, each
retried with backoff and logged; then work in steps for ever. A record that fails is its step's
business (dead-lettered, and the step goes on). A failure of the loop itself ends the actor's
process, and Ray restarts it from what it committed; a configuration that cannot work stops the
loop for good. `ready()` says which: connected, still connecting (to what, and why not yet), or
failed (why)."""

import asyncio
import contextlib
import logging
import os
import random
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from actors.domain.backoff import backoff_seconds
from actors.domain.dead_letter import reason_of
from adapters import database, logs
from adapters.config import Misconfigured

log = logging.getLogger(__name__)

READY_WAIT_SECONDS = 10.0


class NotReady(Exception):
    """Still connecting: says to what, and why the last try failed."""


class LoopFailed(Exception):
    """The loop has stopped for good: says why."""


class ActorFailed(RuntimeError):
    """A long-lived actor cannot run (a topic with another partition count than configured):
    what the one that waits for it raises, with the loop's reason."""


@dataclass(frozen=True)
class Retries:
    """Waits doubling from `first_seconds` to `longest_seconds`, with jitter. A step that may be
    tried again is, `step_retries` times in a row (about two and a half minutes), before the
    actor ends; connecting is tried for as long as it takes."""

    first_seconds: float = 0.5
    longest_seconds: float = 30.0
    step_retries: int = 10


@dataclass(frozen=True)
class Part:
    """One thing to connect to, named for the log and for `ready()`: "the database at ..."."""

    name: str
    connect: Callable[[], Awaitable[None]]


def database_part(database_url: str) -> Part:
    """What every actor connects to first: PostgreSQL, answering a query."""

    async def connect() -> None:
        await database.connect(database_url, pool_size=2)
        await database.ping()

    return Part(f"the database at {database_url.split('@')[-1]}", connect)  # never a password


class ActorLoop:
    """Runs in the actor's event loop from its constructor (Ray runs an async actor's
    constructor there), and so starts again by itself when Ray restarts the actor.

    `retry_steps`: a step that failed is tried again with backoff, for steps that commit all or
    nothing and read their work from the database (the relay, the couriers). A consumer's step
    has moved its position in the log: it is never tried again in place, the actor ends and
    resumes from its committed offsets."""

    def __init__(
        self,
        name: str,
        parts: Sequence[Part],
        step: Callable[[], Awaitable[None]],
        *,
        retry_steps: bool = False,
        retries: Retries = Retries(),
    ) -> None:
        self.name = name
        self._retries = retries
        self._parts = parts
        self._step = step
        self._retry_steps = retry_steps
        self._rng = random.Random()
        self._connected = asyncio.Event()
        self._settled = asyncio.Event()  # connected, or failed for good
        self._waiting_for = parts[0].name if parts else "nothing"
        self._last_error: str | None = None
        self._failure: str | None = None
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def ready(self, within: float = READY_WAIT_SECONDS) -> None:
        """Return once connected; LoopFailed if the loop stopped for good, NotReady if still
        connecting after `within` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), within)
        if self._failure is not None:
            raise LoopFailed(f"{self.name}: {self._failure}")
        if not self._connected.is_set():
            last = f" (last try: {self._last_error})" if self._last_error else ""
            raise NotReady(f"{self.name} is waiting for {self._waiting_for}{last}")

    async def _run(self) -> None:
        try:
            logs.event(log, "actor_starting", actor=self.name, pid=os.getpid())
            for part in self._parts:
                await self._connect(part)
            self._connected.set()
            self._settled.set()
            logs.event(log, "actor_ready", actor=self.name)
            failures = 0
            while True:
                try:
                    await self._step()
                    failures = 0
                except Exception as error:
                    failures += 1
                    if not self._retry_steps or failures > self._retries.step_retries:
                        raise
                    await self._back_off(failures, "failed", error)
        except Misconfigured as error:
            self._failure = str(error)
            self._settled.set()
            log.error("%s cannot run: %s", self.name, error)
        except Exception as error:
            self._failure = reason_of(error)
            self._settled.set()
            log.critical(
                "%s: its loop failed; ending the process, for Ray to restart it from what it"
                " committed",
                self.name,
                exc_info=True,
            )
            sys.stderr.flush()
            os._exit(1)

    async def _connect(self, part: Part) -> None:
        self._waiting_for = part.name
        failures = 0
        while True:
            try:
                await part.connect()
                self._last_error = None
                return
            except Misconfigured:
                raise
            except Exception as error:
                failures += 1
                self._last_error = reason_of(error)
                await self._back_off(failures, f"cannot reach {part.name}", error)

    async def _back_off(self, failures: int, what: str, error: Exception) -> None:
        retries = self._retries
        delay = backoff_seconds(
            failures, retries.first_seconds, self._rng, longest=retries.longest_seconds
        )
        log.warning(
            "%s: %s (%s); try %d again in %.1f s",
            self.name,
            what,
            reason_of(error),
            failures + 1,
            delay,
        )
        await asyncio.sleep(delay)
