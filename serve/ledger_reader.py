"""Reads of live budget and goal positions from the shard that owns the user."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import ray
from tortoise import connections

from actors import naming
from actors.domain.periods import local_date
from actors.ownership import Ownership
from adapters import ledger_changes
from adapters.config import Settings


class LedgerReader:
    def __init__(self, settings: Settings) -> None:
        self._ownership = Ownership.of(settings)
        self._handles: dict[int, Any] = {}

    def shard(self, user_id: UUID) -> Any:
        """The actor owning the user's partition."""
        index = self._ownership.shard_of(user_id)
        if index not in self._handles:
            self._handles[index] = ray.get_actor(
                naming.ledger_shard(index), namespace=naming.NAMESPACE
            )
        return self._handles[index]

    async def last_sequence(self, user_id: UUID) -> tuple[int, date]:
        """Read-your-writes: the user's last change, which the shard must have applied before
        it answers, and today's date in the user's time zone."""
        connection = connections.get("default")
        sequence, timezone = await ledger_changes.last_sequence(connection, user_id)
        return sequence, local_date(datetime.now(UTC), timezone)
