"""Recurring series in PostgreSQL, and their due dates carried out: each due date becomes one
transaction, written by the same code as POST /api/transaction, in the database transaction
that moves its series past that date. Next: adapters/transactions.py writes the transaction."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from actors.domain.errors import InvalidInput, NotFound
from actors.domain.events import Event, Topic
from actors.domain.ledger import EntryType
from actors.domain.payloads import BillDue, DecimalText
from actors.domain.periods import local_date
from actors.domain.schedule import Cadence, next_due, reminder_due, work_due
from adapters import ledger_changes, outbox, transactions
from adapters.models import RecurringSeries, Transaction

# A user's "today" is at most 14 hours ahead of UTC; "tomorrow" (a reminder's due date) two
# days at most: the series a shard looks at are those due by then, sorted out per user's zone.
_AHEAD = timedelta(days=2)


@dataclass(frozen=True)
class Definition:
    amount: Decimal
    type: EntryType
    category: str
    description: str | None
    goal_id: UUID | None
    cadence: Cadence
    starts_on: date
    ends_on: date | None


def _check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("end", "must not be before start")


async def create(user_id: UUID, partition: int, new: Definition) -> RecurringSeries:
    """The series, with nothing done yet: its owning shard writes what is due."""
    _check_dates(new.starts_on, new.ends_on)
    async with in_transaction() as connection:
        await transactions.check_goal(connection, user_id, new.goal_id)
        return await RecurringSeries.create(
            user_id=user_id,
            amount=new.amount,
            type=new.type.value,
            category=new.category,
            description=new.description,
            goal_id=new.goal_id,
            cadence=new.cadence.value,
            starts_on=new.starts_on,
            ends_on=new.ends_on,
            partition=partition,
            next_due=next_due(new.cadence, new.starts_on, new.ends_on, None),
            using_db=connection,
        )


async def listing(user_id: UUID) -> list[RecurringSeries]:
    return await RecurringSeries.filter(user_id=user_id).order_by("created_at", "id")


async def get(user_id: UUID, series_id: UUID) -> RecurringSeries:
    row = await RecurringSeries.get_or_none(id=series_id, user_id=user_id)
    if row is None:
        raise _not_found()
    return row


async def change(user_id: UUID, series_id: UUID, changes: dict[str, Any]) -> RecurringSeries:
    """A new rule applies to the due dates after the last one done; none is done again."""
    async with in_transaction() as connection:
        row = await _locked(connection, series_id, user_id)
        if "goal_id" in changes:
            await transactions.check_goal(connection, user_id, changes["goal_id"])
        row.update_from_dict(changes)
        _check_dates(row.starts_on, row.ends_on)
        cadence = Cadence(row.cadence)
        row.next_due = next_due(cadence, row.starts_on, row.ends_on, row.done_through)
        await row.save(using_db=connection)
    return row


async def delete(user_id: UUID, series_id: UUID) -> None:
    """No due date after this; the transactions written keep their `recurring_id`."""
    async with in_transaction() as connection:
        await (await _locked(connection, series_id, user_id)).delete(using_db=connection)


async def _locked(
    connection: BaseDBAsyncClient, series_id: UUID, user_id: UUID | None = None
) -> RecurringSeries:
    query = RecurringSeries.select_for_update().using_db(connection).filter(id=series_id)
    row = await (query.filter(user_id=user_id) if user_id else query).first()
    if row is None:
        raise _not_found()
    return row


def _not_found() -> NotFound:
    return NotFound("recurring transaction")


# -- the owning shard's work


async def due(partitions: list[int], now: datetime) -> list[UUID]:
    """The series on these partitions with a transaction or a reminder due now, each in its
    user's time zone."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT s.id, s.type, s.next_due, s.reminded_for, u.timezone FROM recurring_series s"
        " JOIN users u ON u.id = s.user_id"
        " WHERE s.partition = ANY($1::int[]) AND s.next_due <= $2",
        [partitions, (now + _AHEAD).date()],
    )
    return [row["id"] for row in rows if _work_due(row, local_date(now, row["timezone"]))]


async def of_user(user_id: UUID) -> list[UUID]:
    return [row.id for row in await RecurringSeries.filter(user_id=user_id).only("id")]


def _work_due(row: dict[str, Any], today: date) -> bool:
    reminds = row["type"] == EntryType.EXPENSE.value
    return work_due(row["next_due"], row["reminded_for"], today, reminds)


async def carry_out(series_id: UUID, now: datetime) -> int:
    """Write the series' transactions due by today, one database transaction each, and raise
    the reminder due today. Returns how many transactions it wrote.

    Each due date is written in the database transaction that locks the series, finds the date
    still its next, and moves it past: a second shard, a replayed call or a restart in between
    finds the date done. The unique (recurring_id, due_date) of transactions backs that up."""
    written = 0
    while True:
        async with in_transaction() as connection:
            step = await _next_step(connection, series_id, now)
        if step is None:
            return written
        written += step


async def _next_step(connection: BaseDBAsyncClient, series_id: UUID, now: datetime) -> int | None:
    """Carry out the next due date if it is due (how many transactions that wrote), or else
    raise its reminder if that is due (None: nothing more is due)."""
    row = await RecurringSeries.select_for_update().using_db(connection).get_or_none(id=series_id)
    if row is None or row.next_due is None:
        return None  # deleted, or ended
    user_id: UUID = row.user_id  # type: ignore[attr-defined]
    _sequence, timezone = await ledger_changes.last_sequence(connection, user_id)
    today = local_date(now, timezone)
    kind = EntryType(row.type)
    if row.next_due <= today:
        due_date = row.next_due
        new = transactions.NewTransaction(
            amount=row.amount,
            type=kind,
            category=row.category,
            description=row.description,
            occurred_at=None,
            goal_id=row.goal_id,  # type: ignore[attr-defined]
            recurring_id=row.id,
            due_date=due_date,
        )
        # Found already only if the series row was set back (restored from a backup, say):
        # then the date is passed over rather than written twice or stuck on the unique key.
        found = Transaction.filter(recurring_id=row.id, due_date=due_date).using_db(connection)
        passed_over = await found.exists()
        if not passed_over:
            await transactions.write(connection, user_id, new, now)
        row.done_through = due_date
        row.next_due = next_due(Cadence(row.cadence), row.starts_on, row.ends_on, due_date)
        await row.save(using_db=connection, update_fields=["done_through", "next_due"])
        return 0 if passed_over else 1
    if kind is EntryType.EXPENSE and reminder_due(row.next_due, row.reminded_for, today):
        await outbox.stage([bill_due(row, now)], connection)
        row.reminded_for = row.next_due
        await row.save(using_db=connection, update_fields=["reminded_for"])
    return None


def bill_due(row: RecurringSeries, now: datetime) -> Event[BillDue]:
    """The reminder of the series' next due date. Its id is the series and the date: whatever
    raises it twice, the outbox and the delivery log hold it once."""
    assert row.next_due is not None
    reminder = BillDue(
        recurring_id=row.id,
        due_date=row.next_due,
        amount=DecimalText(row.amount),
        category=row.category,
        description=row.description,
    )
    event_id = uuid5(row.id, f"bill_due/{row.next_due.isoformat()}")
    return Event(Topic.BILL_DUE, row.user_id, now, reminder, id=event_id)  # type: ignore[attr-defined]
