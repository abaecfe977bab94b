"""Hypothesis strategies for what a consumer may find on its topics: arbitrary bytes, and events
that are JSON of the right shape but hostile in any field: any amount and any date, wrong types,
unknown fields, deep nesting, text no database holds, duplicate and out-of-order sequences; and
records that carry them, signed as the relay signs, now and then not."""

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from actors.domain.events import Topic
from actors.domain.ledger import LEDGER_TOPICS
from actors.domain.preferences import NOTIFIABLE
from actors.domain.signatures import EventKey, generate_event_key

KEY = EventKey(generate_event_key())
NOT_OURS = EventKey(generate_event_key())
PARTITIONS = 4

USERS = [UUID(int=n * 0x1000_0000_0000_0001) for n in range(1, 4)]
GOALS = [UUID(int=n * 0x2000_0000_0000_0003) for n in range(1, 3)]
BUDGETS = [UUID(int=n * 0x3000_0000_0000_0005) for n in range(1, 3)]

# Text as st.text draws it never holds a surrogate; it may hold NUL, as JSON may.
clean_texts = st.text(alphabet=st.characters(exclude_characters="\x00"), max_size=10)
clean_json = st.recursive(
    st.none() | st.booleans() | st.integers() | clean_texts,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(clean_texts, children, max_size=3)
    ),
    max_leaves=6,
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["\x00", "\ud800", "a\u2028b"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


def good_or_bad(
    good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """Mostly the right kind of value (so that many events get past the checks), else a wrong
    one of the right type, else any JSON at all."""
    return st.one_of(*[good] * 10, bad, json_values)


amounts = good_or_bad(
    st.decimals(Decimal("0.01"), Decimal("999999999999.99"), places=2).map(str),
    st.sampled_from(
        [
            "0",
            "-5.00",
            "0.001",
            "1e999999",
            "1E+12",
            "NaN",
            "-Infinity",
            "sNaN",
            "1_000",
            "\u0663",
            "",
            "12.345",
            "9" * 40,
            "1e-999999",
        ]
    ),
)
days = good_or_bad(
    st.dates().map(date.isoformat),  # any day of the calendar, 0001-01-01 to 9999-12-31
    st.sampled_from(["", "2024-02-30", "9999-12-32", "10000-01-01", "20240101T"]),
)
texts = good_or_bad(
    st.sampled_from(["food", "fun", "Bike"]), st.text(max_size=30) | st.just("x" * 5000)
)
sequences = good_or_bad(st.integers(1, 6), st.sampled_from([0, -1, True, "3", 10**30, 2**63]))


def ids(pool: list[UUID]) -> st.SearchStrategy[Any]:
    return good_or_bad(st.sampled_from(pool).map(str), st.sampled_from(["", "not-a-uuid", 7]))


def rarely(draw: st.DrawFn, one_in: int) -> bool:
    # A middle value: Hypothesis draws the ends of a range far more often than the rest.
    return draw(st.integers(0, one_in - 1)) == one_in // 2


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with a field perhaps gone, unknown fields perhaps added, perhaps nested deep."""
    payload = dict(payload)
    if payload and rarely(draw, 10):
        del payload[draw(st.sampled_from(sorted(payload)))]
    unknown = json_values if rarely(draw, 8) else clean_json
    payload |= draw(st.dictionaries(clean_texts, unknown, max_size=2))
    if rarely(draw, 6):
        payload["deep"] = nested(draw(st.integers(0, 24)))
    return payload


def entries() -> st.SearchStrategy[Any]:
    entry = st.fixed_dictionaries(
        {
            "amount": amounts,
            "type": good_or_bad(st.sampled_from(["expense", "income"]), st.text(max_size=8)),
            "category": texts,
            "local_date": days,
            "goal_id": st.none() | ids(GOALS),
        }
    )
    return good_or_bad(entry.flatmap(mutated), st.nothing())


def budget_definitions() -> st.SearchStrategy[Any]:
    definition = st.fixed_dictionaries(
        {
            "category": texts,
            "period": good_or_bad(st.sampled_from(["weekly", "monthly", "yearly"]), texts),
            "limit": amounts,
            "alert_thresholds": good_or_bad(
                st.lists(st.integers(1, 1000), max_size=4),
                st.lists(st.integers(-5, 10**40) | st.booleans(), max_size=3),
            ),
            "spent": good_or_bad(
                st.dictionaries(st.dates().map(date.isoformat) | st.text(max_size=10), amounts),
                st.nothing(),
            ),
        }
    )
    return st.none() | definition.flatmap(mutated)


def goal_definitions() -> st.SearchStrategy[Any]:
    definition = st.fixed_dictionaries(
        {"name": texts, "target_amount": amounts, "deadline": st.none() | days}
    )
    return st.none() | definition.flatmap(mutated)


def ledger_payloads(topic: Topic) -> st.SearchStrategy[dict[str, Any]]:
    common: dict[str, st.SearchStrategy[Any]] = {"sequence": sequences}
    fields: dict[str, st.SearchStrategy[Any]] = {
        Topic.TRANSACTION_CREATED: {"transaction": entries()},
        Topic.TRANSACTION_UPDATED: {"old": entries(), "new": entries()},
        Topic.TRANSACTION_DELETED: {"old": entries()},
        Topic.BUDGET_CHANGED: {
            "budget_id": ids(BUDGETS),
            "local_date": days,
            "budget": budget_definitions(),
        },
        Topic.GOAL_CHANGED: {"goal_id": ids(GOALS), "goal": goal_definitions()},
    }[topic]
    payload = st.fixed_dictionaries(common | fields)
    if topic is Topic.TRANSACTION_CREATED:
        payload = payload.map(_entry_fields_in_payload)
    return payload.flatmap(mutated)


def _entry_fields_in_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """A transaction_created payload holds its entry's fields itself, beside the sequence."""
    entry = payload.pop("transaction")
    return {**entry, **payload} if isinstance(entry, dict) else payload | {"entry": entry}


def notifiable_payloads(topic: Topic) -> st.SearchStrategy[dict[str, Any]]:
    instants = good_or_bad(st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat), days)
    alert: dict[str, st.SearchStrategy[Any]] = {
        "budget_id": ids(BUDGETS),
        "category": texts,
        "period": good_or_bad(st.sampled_from(["weekly", "monthly", "yearly"]), texts),
        "period_start": days,
        "period_end": days,
        "limit": amounts,
        "spent": amounts,
        "percent": amounts,
        "threshold": good_or_bad(st.integers(1, 1000), st.integers()),
    }
    fields: dict[str, st.SearchStrategy[Any]] = {
        Topic.USER_REGISTERED: {"email": texts, "name": texts},
        Topic.TRANSACTION_CREATED: {
            "amount": amounts,
            "type": good_or_bad(st.sampled_from(["expense", "income"]), texts),
            "category": texts,
            "description": texts,
            "occurred_at": instants,
            "goal_id": st.none() | ids(GOALS),
        },
        Topic.BUDGET_WARNING: alert,
        Topic.BUDGET_EXCEEDED: alert | {"overage": amounts},
        Topic.GOAL_ACHIEVED: {
            "goal_id": ids(GOALS),
            "name": texts,
            "target_amount": amounts,
            "saved": amounts,
            "achieved_at": instants,
        },
        Topic.BILL_DUE: {
            "recurring_id": st.uuids().map(str),
            "due_date": days,
            "amount": amounts,
            "category": texts,
            "description": st.none() | texts,
        },
    }[topic]
    return st.fixed_dictionaries(fields).flatmap(mutated)


# Built once: a strategy built anew for each example costs more than drawing from it.
PAYLOADS = {
    topic: ledger_payloads(topic) if topic in LEDGER_TOPICS else notifiable_payloads(topic)
    for topic in Topic
    if topic in LEDGER_TOPICS or topic in NOTIFIABLE
}


@st.composite
def event_values(draw: st.DrawFn, topic: Topic, users: list[UUID] = USERS) -> bytes:
    """An event's JSON for `topic`, hostile in its payload and now and then in its envelope."""
    payloads = PAYLOADS[topic]
    body: dict[str, Any] = {
        "id": str(draw(st.uuids())),
        "type": topic.value,
        "version": 1,
        "user_id": str(draw(st.sampled_from(users))),
        "occurred_at": draw(st.datetimes(timezones=st.just(UTC))).isoformat(),
        "payload": draw(payloads),
    }
    if rarely(draw, 12):
        body = draw(mutated(body))
    if rarely(draw, 20):
        body["user_id"] = draw(json_values)
    return json.dumps(body).encode()


@functools.cache
def values(topic: Topic, users: tuple[UUID, ...] = tuple(USERS)) -> st.SearchStrategy[bytes | None]:
    """What a record of `topic` may hold: mostly events, hostile ones, else any bytes at all."""
    return st.one_of(
        event_values(topic, list(users)),
        event_values(topic, list(users)),
        st.binary(max_size=300),
        st.sampled_from([None, b"", b"\xff" * 200_000, b"[" * 200_000 + b"]" * 200_000]),
    )


ledger_topics = st.sampled_from(LEDGER_TOPICS)
notifiable_topics = st.sampled_from(sorted(NOTIFIABLE))


@dataclass(frozen=True)
class Rec:
    """A record as a consumer receives it (what actors.domain.events.Record asks for)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = field(default_factory=list)


def signed(topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None) -> Rec:
    return Rec(topic, partition, offset, key, value, KEY.headers(topic, partition, key, value))


@st.composite
def records(
    draw: st.DrawFn, topics: st.SearchStrategy[Topic], users: list[UUID] = USERS, max_size: int = 12
) -> list[Rec]:
    """Records of the topics, numbered per partition as a log numbers them: mostly signed with
    KEY, now and then unsigned or signed with another key; keyed by a user, or by anything."""
    made: list[Rec] = []
    offsets: dict[tuple[str, int], int] = {}
    for _ in range(draw(st.integers(0, max_size))):
        topic = draw(topics)
        partition = draw(st.integers(0, PARTITIONS - 1))
        offset = offsets[(topic, partition)] = offsets.get((topic, partition), -1) + 1
        value = draw(values(topic, tuple(users)))
        key = draw(
            st.sampled_from(users).map(lambda u: str(u).encode())
            | st.none()
            | st.binary(max_size=8)
        )
        record = signed(topic, partition, offset, key, value)
        if rarely(draw, 10):
            forger = draw(st.sampled_from([None, NOT_OURS]))
            headers = [] if forger is None else forger.headers(topic, partition, key, value)
            record = Rec(topic, partition, offset, key, value, headers)
        made.append(record)
    return made
