"""A ledger shard's due-date work: the recurring series of the users on its partitions become
transactions on their due dates, and their bill reminders are raised the day before. It runs
when the shard starts (catching up on what fell due while the system was down), each minute,
and at once for a user whose series was created or changed.
Next: adapters/recurring.py carries out each due date in one database transaction."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from uuid import UUID

from actors.actor_loop import ActorLoop, Part
from adapters import recurring

POLL_SECONDS = 60.0


class DueDates:
    """`consumer_ready` is the shard's consumer loop, which connects the database first: the
    work waits for it (retried with backoff as any part), and so never starts before the
    shard's own state does."""

    def __init__(
        self, name: str, partitions: Sequence[int], consumer_ready: Callable[[], Awaitable[None]]
    ) -> None:
        self._partitions = list(partitions)
        self._written = 0
        self.loop = ActorLoop(
            name,
            [Part("the shard's consumer", consumer_ready)],
            self._step,
            retry_steps=True,
        )

    @property
    def written(self) -> int:
        return self._written

    async def of_user(self, user_id: UUID) -> int:
        """Carry out the user's series now; how many transactions that wrote."""
        now = datetime.now(UTC)
        count = 0
        for series_id in await recurring.of_user(user_id):
            count += await recurring.carry_out(series_id, now)
        self._written += count
        return count

    async def _step(self) -> None:
        now = datetime.now(UTC)
        for series_id in await recurring.due(self._partitions, now):
            self._written += await recurring.carry_out(series_id, now)
        # Due dates are days: a minute late at midnight is on time.
        await asyncio.sleep(POLL_SECONDS)
