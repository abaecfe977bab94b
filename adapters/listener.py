"""PostgreSQL LISTEN on a dedicated connection, reconnecting when the connection drops."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from adapters.database import credentials

log = logging.getLogger(__name__)


class PgListener:
    """Calls `on_notify(payload)` for each NOTIFY on `channel`, and `on_connect()` after every
    (re)connection so that the caller can reload what it may have missed while disconnected."""

    def __init__(
        self,
        database_url: str,
        channel: str,
        on_notify: Callable[[str], None],
        on_connect: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._credentials = credentials(database_url)
        self._channel = channel
        self._on_notify = on_notify
        self._on_connect = on_connect
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._connected.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(**self._credentials)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("LISTEN %s: cannot connect (%s); retrying", self._channel, error)
                await asyncio.sleep(1)
                continue
            try:
                connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                await connection.add_listener(
                    self._channel, lambda *args: self._on_notify(args[-1])
                )
                if self._on_connect is not None:
                    await self._on_connect()
                self._connected.set()
                await lost.wait()
                log.warning("LISTEN %s: connection lost; reconnecting", self._channel)
            finally:
                with contextlib.suppress(Exception):
                    await connection.close()


async def notify(database_url: str, channel: str) -> None:
    """One NOTIFY on a connection of its own, for a caller that holds none."""
    connection = await asyncpg.connect(**credentials(database_url))
    try:
        await connection.execute("SELECT pg_notify($1, '')", channel)
    finally:
        await connection.close()
