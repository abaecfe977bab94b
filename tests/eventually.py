"""Waiting for a condition that nothing signals, such as a row in the database or a file."""

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    async with asyncio.timeout(within):
        # Polled: PostgreSQL and the file system send nothing to wait on.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.1)
