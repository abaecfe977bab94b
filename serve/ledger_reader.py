"""Reads of live budget and goal positions from the shard that owns the user (or this replica's
copy of its last answer, while the user's sequence has not moved), and the call that has it
write a user's recurring transactions due now."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

import ray
from pydantic import BaseModel
from ray.exceptions import RayActorError

from actors import naming
from actors.domain.errors import LedgerUnavailable
from actors.domain.ledger import BudgetForecast, BudgetPosition, GoalPosition
from actors.domain.periods import local_date
from actors.ownership import Ownership
from adapters.config import Settings
from serve import answers
from serve.last_sequences import LastSequences
from serve.read_cache import ReadCache

#: A running shard answers within its own 5 s (or says LedgerBehind); one that is still starting
#: waits for its first load without a bound, so the reader bounds the whole call.
ANSWER_WITHIN_SECONDS = 10.0

Kept = TypeVar("Kept")


class LedgerReader:
    def __init__(self, settings: Settings) -> None:
        self._ownership = Ownership.of(settings)
        self._handles: dict[int, Any] = {}
        self._cache = ReadCache()
        self._sequences = LastSequences()

    async def last_sequence(self, user_id: UUID) -> tuple[int, date]:
        """Read-your-writes: the user's last change, which the shard must have applied before
        it answers, and today's date in the user's time zone."""
        sequence, timezone = await self._sequences.of(user_id)
        return sequence, local_date(datetime.now(UTC), timezone)

    async def budget(
        self, user_id: UUID, sequence: int, budget_id: UUID, day: date
    ) -> BudgetPosition:
        return await self._read(user_id, "budget", sequence, budget_id, day)  # type: ignore[no-any-return]

    async def forecasts(self, user_id: UUID, sequence: int, today: date) -> list[BudgetForecast]:
        return await self._ask(user_id, "forecasts", sequence, today)  # type: ignore[no-any-return]

    async def forecast(
        self, user_id: UUID, sequence: int, budget_id: UUID, today: date
    ) -> BudgetForecast:
        return await self._ask(user_id, "forecast", sequence, budget_id, today)  # type: ignore[no-any-return]

    async def goal(self, user_id: UUID, sequence: int, goal_id: UUID, today: date) -> GoalPosition:
        return await self._read(user_id, "goal", sequence, goal_id, today)  # type: ignore[no-any-return]

    async def carry_out_recurring(self, user_id: UUID) -> int:
        """Have the owning shard write the user's recurring transactions due by now."""
        return await self._ask(user_id, "carry_out_recurring")  # type: ignore[no-any-return]

    def partition_of(self, user_id: UUID) -> int:
        return self._ownership.partition_of(user_id)

    async def listing(
        self, user_id: UUID, method: str, order: Callable[[Any], Any], model: type[BaseModel]
    ) -> bytes:
        """The user's positions today (`method`: "budgets" or "goals"), sorted by `order` and
        encoded as a list of `model`s: this replica's copy if it was made for the user's last
        sequence, in steady state, else the shard's answer, encoded and kept."""
        sequence, today = await self.last_sequence(user_id)

        async def encoded() -> bytes:
            positions = await self._ask(user_id, method, sequence, today)
            return answers.many_encoded(sorted(positions, key=order), model)

        return await self.kept(user_id, sequence, (method, today), encoded)

    async def kept(
        self, user_id: UUID, sequence: int, key: Hashable, make: Callable[[], Awaitable[Kept]]
    ) -> Kept:
        """What `make` gives from the user's positions as of `sequence` (an answer encoded from
        them): this replica's copy if it was made for that sequence, else made and kept."""
        answer: Kept | None = self._cache.get(user_id, sequence, key)
        if answer is None:
            answer = await make()
            self._cache.put(user_id, sequence, key, answer)
        return answer

    async def _read(self, user_id: UUID, method: str, sequence: int, *args: object) -> Any:
        """A position as of `sequence`: this replica's copy if it was read for that sequence
        (the positions are immutable), else the shard's answer, kept for the next read."""
        return await self.kept(
            user_id, sequence, (method, *args), lambda: self._ask(user_id, method, sequence, *args)
        )

    async def _ask(self, user_id: UUID, method: str, *args: object) -> Any:
        """Call the shard owning the user: the same partition the producer's partitioner picks.
        A shard that does not exist yet (the API answers before `up` has started the actors),
        has died or does not answer is LedgerUnavailable, a 503, never a 500."""
        index = self._ownership.shard_of(user_id)
        shard = self._handles.get(index) or self._find(index)
        try:
            answer = asyncio.ensure_future(getattr(shard, method).remote(user_id, *args))
            done, _ = await asyncio.wait({answer}, timeout=ANSWER_WITHIN_SECONDS)
            if not done:
                answer.cancel()
                raise LedgerUnavailable()
            return answer.result()
        except RayActorError as error:
            # A handle to a dead actor stays dead: look the shard up again next time.
            self._handles.pop(index, None)
            raise LedgerUnavailable() from error

    def _find(self, index: int) -> Any:
        try:
            handle = ray.get_actor(naming.ledger_shard(index), namespace=naming.NAMESPACE)
        except ValueError as error:  # Ray's answer for a name that no live actor holds
            raise LedgerUnavailable() from error
        self._handles[index] = handle
        return handle
