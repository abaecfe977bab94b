"""The users' last ledger sequences, as reads need them for read-your-writes, looked up in
PostgreSQL in batches: the lookups asked while one batch is in flight go together in the next,
one statement and one round trip for all of them. A steady read is otherwise little more than
this lookup, and a round trip each cost the replica about as much as the rest of the read."""

import asyncio
import contextvars
from uuid import UUID

from actors.domain.errors import NotFound
from adapters import ledger_changes

Answer = asyncio.Future[tuple[int, str]]


class LastSequences:
    """Each lookup joins a batch that has not been sent yet, so its statement starts after the
    lookup was asked: it sees every change committed before, as a lookup of its own would."""

    def __init__(self) -> None:
        self._asked: list[tuple[UUID, Answer]] = []
        self._reading: asyncio.Task[None] | None = None

    async def of(self, user_id: UUID) -> tuple[int, str]:
        """The user's last sequence number and time zone; NotFound for no such user."""
        answer: Answer = asyncio.get_running_loop().create_future()
        self._asked.append((user_id, answer))
        if self._reading is None:
            # In a context of its own: not the asking request's, whose connection state (a
            # transaction's connection, in tortoise's context) later batches must not use.
            self._reading = asyncio.create_task(self._read(), context=contextvars.Context())
        return await answer

    async def _read(self) -> None:
        """Batch after batch, while lookups wait; the first starts with those asked before it
        runs, each later one with those asked while the one before was in flight."""
        asked: list[tuple[UUID, Answer]] = []
        try:
            while self._asked:
                asked, self._asked = self._asked, []
                try:
                    found = await ledger_changes.last_sequences({user_id for user_id, _ in asked})
                except Exception as error:
                    for _, answer in asked:
                        if not answer.done():
                            answer.set_exception(error)
                    continue
                for user_id, answer in asked:
                    if answer.done():  # its request was cancelled
                        continue
                    if user_id in found:
                        answer.set_result(found[user_id])
                    else:
                        answer.set_exception(NotFound("user"))
        except BaseException:
            # Cancelled (the replica stops): so are the lookups still waiting.
            for _, answer in (*asked, *self._asked):
                answer.cancel()
            self._asked = []
            raise
        finally:
            self._reading = None
