"""Dead letters in PostgreSQL: each record a consumer or courier gave up on, written in the
transaction that stages it for its dead-letter topic, so an operator lists it from here."""

from tortoise.backends.base.client import BaseDBAsyncClient

from actors.domain.dead_letter import DeadLetter
from actors.domain.errors import NotFound
from adapters import pages
from adapters.models import DeadLetterRecord


async def record(connection: BaseDBAsyncClient, letter: DeadLetter) -> None:
    await DeadLetterRecord.create(
        topic=letter.topic[:128],
        # A reason can quote the record, and PostgreSQL's text takes no NUL: one would fail the
        # consumer's commit, and again at every restart.
        reason=letter.reason_text,
        key=letter.key,
        value=letter.value or b"",
        delivery_id=letter.delivery_id,
        using_db=connection,
    )


async def page(limit: int, cursor: str | None) -> tuple[list[DeadLetterRecord], str | None]:
    return await pages.newest_first(DeadLetterRecord.all(), "created_at", limit, cursor)


async def locked(connection: BaseDBAsyncClient, letter_id: int) -> DeadLetterRecord:
    """The dead letter, locked for the rest of the caller's transaction."""
    letter = (
        await DeadLetterRecord.select_for_update().using_db(connection).get_or_none(id=letter_id)
    )
    if letter is None:
        raise NotFound("dead letter")
    return letter
