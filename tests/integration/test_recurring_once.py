"""A due date becomes exactly one transaction in PostgreSQL, whoever carries it out and however
often: calls at once (a zombie shard beside its successor, a retried call), a series row set
back, a deleted series; its reminder is staged once; its instant lies on its local due date."""

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from actors.domain.events import Topic
from actors.domain.ledger import EntryType
from actors.domain.periods import local_date
from actors.domain.schedule import Cadence
from adapters import recurring
from adapters.config import Settings
from adapters.models import OutboxEvent, RecurringSeries, Transaction
from tests.integration.accounts import new_user

# No shard owns it: a shard of a session running the whole system beside these tests would
# carry the series out with the real date.
NO_SHARD = -1
# Santiago skipped midnight on 8 September 2024: clocks went from 00:00 to 01:00.
ZONE = "America/Santiago"
NOW = datetime(2024, 9, 10, 15, tzinfo=UTC)  # 11:00 on 10 September in Santiago


async def _user() -> UUID:
    return await new_user("Recurring", ZONE)


async def _series(user: UUID, start: date, kind: EntryType = EntryType.EXPENSE) -> UUID:
    definition = recurring.Definition(
        amount=Decimal("12.00"),
        type=kind,
        category="gym",
        description=None,
        goal_id=None,
        cadence=Cadence.WEEKLY,
        starts_on=start,
        ends_on=None,
    )
    return (await recurring.create(user, NO_SHARD, definition)).id


async def _staged(user: UUID, topic: Topic) -> int:
    return await OutboxEvent.filter(key=str(user), topic=topic.value).count()


async def test_calls_at_once_write_each_due_date_once_on_its_local_day(db: Settings) -> None:
    user = await _user()
    series = await _series(user, date(2024, 8, 25))
    written = await asyncio.gather(*(recurring.carry_out(series, NOW) for _ in range(4)))
    assert sum(written) == 3
    rows = await Transaction.filter(recurring_id=series).order_by("due_date")
    due = [date(2024, 8, 25), date(2024, 9, 1), date(2024, 9, 8)]
    assert [row.due_date for row in rows] == due
    assert [row.local_date for row in rows] == due
    assert [local_date(row.occurred_at, ZONE) for row in rows] == due
    # The day without a midnight starts when the clocks jump: 01:00 local, 04:00 UTC.
    assert rows[2].occurred_at == datetime(2024, 9, 8, 4, tzinfo=UTC)
    assert await _staged(user, Topic.TRANSACTION_CREATED) == 3
    assert (await RecurringSeries.get(id=series)).next_due == date(2024, 9, 15)


async def test_a_series_set_back_passes_over_what_was_written(db: Settings) -> None:
    user = await _user()
    series = await _series(user, date(2024, 9, 1))
    assert await recurring.carry_out(series, NOW) == 2
    await RecurringSeries.filter(id=series).update(done_through=None, next_due=date(2024, 9, 1))
    assert await recurring.carry_out(series, NOW) == 0
    assert await Transaction.filter(recurring_id=series).count() == 2
    assert (await RecurringSeries.get(id=series)).next_due == date(2024, 9, 15)


async def test_a_reminder_is_staged_once_and_only_for_an_expense(db: Settings) -> None:
    user = await _user()
    await _series(user, date(2024, 9, 11), EntryType.INCOME)
    rent = await _series(user, date(2024, 9, 11))
    for series in await recurring.of_user(user):
        await asyncio.gather(*(recurring.carry_out(series, NOW) for _ in range(3)))
    [reminder] = await OutboxEvent.filter(key=str(user), topic=Topic.BILL_DUE.value)
    assert reminder.event_id == recurring.bill_due(await RecurringSeries.get(id=rent), NOW).id
    assert await Transaction.filter(user_id=user).count() == 0  # due tomorrow
    # The next day its transaction is written, and no reminder is raised for the day itself.
    assert await recurring.carry_out(rent, datetime(2024, 9, 11, 15, tzinfo=UTC)) == 1
    assert await _staged(user, Topic.BILL_DUE) == 1


async def test_a_deleted_series_writes_nothing_more(db: Settings) -> None:
    user = await _user()
    series = await _series(user, date(2024, 9, 1))
    assert await recurring.carry_out(series, NOW) == 2
    await recurring.delete(user, series)
    later = datetime(2024, 12, 1, 15, tzinfo=UTC)
    assert await recurring.carry_out(series, later) == 0
    kept = await Transaction.filter(recurring_id=series).count()
    assert kept == 2
    assert series not in await recurring.due([NO_SHARD], later)
