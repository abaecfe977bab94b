"""A ledger fed hostile events: whatever decodes into its typed schema applies without
raising, the ledger stays readable at either end of the calendar, and a later valid event still
counts."""

from datetime import date
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from actors.domain import payloads, snapshots
from actors.domain.events import MalformedEvent, Topic
from actors.domain.ledger import Ledger
from actors.domain.payloads import LedgerEvent
from tests.unit import hostile_events as hostile
from tests.unit.ledger_events import Stream

USER = hostile.USERS[0]
records = st.lists(
    hostile.ledger_topics.flatmap(
        lambda topic: st.tuples(st.just(topic), hostile.event_values(topic, [USER]))
    ),
    max_size=12,
)


def _checked(topic: Topic, value: bytes) -> LedgerEvent | None:
    try:
        return payloads.read(topic.value, value)
    except MalformedEvent:
        return None


def _readable(ledger: Ledger) -> None:
    for day in (date.min, date(2024, 2, 29), date.max):
        for budget in ledger.budgets.values():
            ledger.budget_position(budget, day)
        for goal in ledger.goals.values():
            ledger.goal_position(goal, day)
    assert snapshots.load(ledger.user_id, snapshots.dump(ledger)) == ledger


@given(records)
def test_every_checked_event_applies_and_the_ledger_stays_readable(
    records: list[tuple[Topic, bytes]],
) -> None:
    ledger = Ledger(USER)
    for topic, value in records:
        if (event := _checked(topic, value)) is not None:
            ledger.accept(event)  # never raises ApplyFailed: decoding lets by only what applies
    _readable(ledger)


@given(records, st.booleans())
def test_a_later_valid_event_still_counts(records: list[tuple[Topic, bytes]], weekly: bool) -> None:
    ledger = Ledger(USER)
    for topic, value in records:
        if (event := _checked(topic, value)) is not None:
            ledger.accept(event)
    stream = Stream(USER)
    stream.sequence = max([ledger.sequence, *ledger.pending, *ledger.skipped])
    budget = UUID(int=99)
    changed = stream.budget(budget, "10.00", "valid", "weekly" if weekly else "yearly")
    spent = stream.expense("12.00", "valid", day=date.max)
    for event in (changed, spent):
        ledger.accept(event)
    if ledger.sequence >= stream.sequence:  # else it waits, rightly, for a number never sent
        position = ledger.budget_position(ledger.budgets[budget], date.max)
        assert position.spent == 12 and position.period_end == date.max
