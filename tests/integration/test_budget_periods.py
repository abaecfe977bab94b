"""A new budget's earlier spending, summed from PostgreSQL when the budget is made, is what the
ledger counts itself event by event, for every period kind, around month and year ends, ISO week
53, leap days and daylight-saving changes in several time zones."""

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from actors.domain import payloads
from actors.domain.ledger import LEDGER_TOPICS, EntryType, Ledger
from actors.domain.money import from_cents
from actors.domain.payloads import LedgerEvent
from actors.domain.periods import Period, period_start
from adapters import budgets, transactions
from adapters.config import Settings
from adapters.models import OutboxEvent
from adapters.transactions import NewTransaction
from tests.integration.accounts import new_user
from tests.unit.ledger_events import feed

# Instants (UTC) beside a local midnight, and the local day each falls on.
EDGES = {
    "Europe/London": [
        ("2020-12-31T23:59", date(2020, 12, 31)),  # Thursday of ISO week 53 of 2020
        ("2021-01-03T23:59", date(2021, 1, 3)),  # its Sunday, already in 2021
        ("2021-01-04T00:00", date(2021, 1, 4)),  # week 1 of 2021
        ("2024-02-29T23:59", date(2024, 2, 29)),
        ("2024-03-01T00:00", date(2024, 3, 1)),
        ("2024-03-31T22:59", date(2024, 3, 31)),  # summer time began that morning
        ("2024-03-31T23:00", date(2024, 4, 1)),  # still 31 March in UTC
    ],
    "America/Los_Angeles": [
        ("2024-03-10T07:59", date(2024, 3, 9)),
        ("2024-03-11T06:59", date(2024, 3, 10)),  # a 23-hour Sunday
        ("2024-03-11T07:00", date(2024, 3, 11)),
        ("2024-11-04T07:59", date(2024, 11, 3)),  # a 25-hour Sunday
        ("2024-11-04T08:00", date(2024, 11, 4)),
        ("2024-12-01T07:59", date(2024, 11, 30)),
        ("2025-01-01T07:59", date(2024, 12, 31)),  # in ISO week 1 of 2025
        ("2025-01-01T08:00", date(2025, 1, 1)),
    ],
    "Pacific/Auckland": [
        ("2024-04-06T10:59", date(2024, 4, 6)),
        ("2024-04-07T11:59", date(2024, 4, 7)),  # summer time ended that morning
        ("2024-04-07T12:00", date(2024, 4, 8)),
        ("2024-09-30T10:59", date(2024, 9, 30)),  # the day after summer time began
        ("2024-09-30T11:00", date(2024, 10, 1)),
        ("2026-12-31T10:59", date(2026, 12, 31)),  # ISO week 53 of 2026
        ("2026-12-31T11:00", date(2027, 1, 1)),  # the same week, the next year
        ("2028-02-28T11:00", date(2028, 2, 29)),
        ("2028-02-29T11:00", date(2028, 3, 1)),
    ],
    # Summer time here began and ended at midnight: one day had no midnight, one had two.
    "America/Sao_Paulo": [
        ("2018-11-04T02:59", date(2018, 11, 3)),
        ("2018-11-04T03:00", date(2018, 11, 4)),  # 01:00: midnight was skipped
        ("2018-11-05T01:59", date(2018, 11, 4)),
        ("2018-11-05T02:00", date(2018, 11, 5)),
        ("2019-02-17T02:00", date(2019, 2, 16)),  # the second 23:00 of 16 February
        ("2019-02-17T03:00", date(2019, 2, 17)),
    ],
}


async def _user(zone: str) -> UUID:
    return await new_user("Periods", zone)


async def _spend(user: UUID, amount: str, when: str, kind: EntryType, category: str) -> None:
    instant = datetime.fromisoformat(when).replace(tzinfo=UTC)
    await transactions.create(
        user, NewTransaction(Decimal(amount), kind, category, None, instant, None)
    )


async def _ledger_events(user: UUID) -> list[LedgerEvent]:
    # Only the services' own: the session's ledger shards add the alerts they raise.
    topics = [topic.value for topic in LEDGER_TOPICS]
    rows = await OutboxEvent.filter(key=str(user), topic__in=topics)
    events = [payloads.read(row.topic, bytes(row.value)) for row in rows]
    return sorted(events, key=lambda event: event.payload.sequence)


def _spending(ledger: Ledger) -> dict[Period, dict[date, Decimal]]:
    return {
        budget.period: {start: from_cents(cents) for start, cents in budget.spent.items()}
        for budget in ledger.budgets.values()
    }


@pytest.mark.parametrize("zone", sorted(EDGES))
async def test_spending_summed_for_a_new_budget_is_what_the_ledger_counts(
    db: Settings, zone: str
) -> None:
    user = await _user(zone)
    made_before = [
        await budgets.create(user, "food", Decimal("100"), period, [80, 100]) for period in Period
    ]
    # Amounts 1, 2, 4, ...: every period's total says which expenses it holds.
    for index, (when, _day) in enumerate(EDGES[zone]):
        await _spend(user, f"{2**index}.00", when, EntryType.EXPENSE, "food")
    when = EDGES[zone][0][0]
    await _spend(user, "1000.00", when, EntryType.INCOME, "food")
    await _spend(user, "1000.00", when, EntryType.EXPENSE, "rent")
    for budget in made_before:
        await budgets.change(user, budget.id, None)
    for period in Period:  # made now, with their spending summed from the transactions table
        await budgets.create(user, "food", Decimal("100"), period, [80, 100])

    events = await _ledger_events(user)
    ledger = Ledger(user_id=user)
    written = len(Period) + len(EDGES[zone]) + 2
    feed(ledger, *events[:written])
    counted = _spending(ledger)
    feed(ledger, *events[written:])
    summed = _spending(ledger)

    expected: dict[Period, dict[date, Decimal]] = {
        period: defaultdict(Decimal) for period in Period
    }
    for index, (_when, day) in enumerate(EDGES[zone]):
        for period in Period:
            expected[period][period_start(period, day)] += 2**index
    assert counted == expected
    assert summed == expected
