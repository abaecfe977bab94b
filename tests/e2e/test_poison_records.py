"""No record stops a consumer: poison on every partition of every topic the ledger shards and the
messaging actor read, each dead-lettered with its reason, and then a real write still moves its
budget and its alert still reaches the user; an expense in the calendar's last week applies; and
an outbox row too large for the broker does not hold up the rows after it."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import ray

from actors import naming
from actors.domain import dead_letter
from actors.domain.events import Topic
from actors.domain.ledger import LEDGER_TOPICS, EntryType
from actors.domain.preferences import NOTIFIABLE
from actors.ownership import Ownership
from adapters import transactions
from adapters.config import Settings
from adapters.models import DeadLetterRecord, OutboxEvent
from adapters.transactions import NewTransaction
from serve.system import RunningSystem
from tests.e2e.identity import Account, create_budget, signup_and_login, spend
from tests.e2e.notifications import stage
from tests.eventually import eventually
from tests.kafka_reader import read_records_until
from tests.kafka_writer import RawRecord, send_forged, send_signed
from tests.smtp_server import RecordingSmtp
from tests.unit import notification_events as n

TOPICS = sorted({*LEDGER_TOPICS, *NOTIFIABLE})
MIB = 1024 * 1024


def _sample(topic: Topic) -> dict[str, Any]:
    """An event's JSON on `topic`, whatever its payload."""
    return dict(json.loads(n.goal_achieved(uuid4()).to_json())) | {"type": topic.value}


def _poisons(marker: str, topic: Topic, partition: int) -> dict[str, RawRecord]:
    """Signed records that hold no event we can use, by what each tests, keyed `marker/...`."""
    values: dict[str, bytes | None] = {
        "no-value": None,
        "empty": b"",
        "ff-bytes": b"\xff" * 200_000,
        "deep": b"[" * 200_000 + b"]" * 200_000,
        "number-user": json.dumps(_sample(topic) | {"user_id": 12345}).encode(),
    }
    return {
        kind: RawRecord(topic.value, f"{marker}/{kind}".encode(), value, partition)
        for kind, value in values.items()
    }


def _unsigned(topic: Topic) -> bytes:
    return json.dumps(_sample(topic)).encode()


async def _dead_letters(settings: Settings, topic: Topic, marker: str, count: int) -> list[Any]:
    assert settings.kafka_bootstrap

    def mine(values: list[bytes]) -> list[dict[str, Any]]:
        letters = [json.loads(value) for value in values]
        return [d for d in letters if (d.get("key") or "").startswith(marker)]

    values = await read_records_until(
        settings.kafka_bootstrap,
        topic.dead_letter,
        lambda vs: len(mine(vs)) >= count,
        within=90,
    )
    assert all(len(value) <= dead_letter.LARGEST for value in values)
    return mine(values)


async def _shard_pids(settings: Settings) -> list[int]:
    shards = [
        ray.get_actor(naming.ledger_shard(i), namespace=naming.NAMESPACE)
        for i in range(settings.ledger_shards)
    ]
    return [(await shard.ready.remote())["pid"] for shard in shards]


async def _exceeded_by_email(api: httpx.AsyncClient, smtp: RecordingSmtp) -> Account:
    """A real user's expense over a budget: the budget moves, and the alert is e-mailed."""
    account = await signup_and_login(api)
    await create_budget(api, account, "food", "100", "monthly")
    await spend(api, account, "120.00")
    [budget] = (await api.get("/api/budget", headers=account.auth)).json()
    assert (budget["spent"], budget["status"]) == ("120.00", "exceeded")
    await smtp.wait_for(
        lambda: any("Budget exceeded" in str(r.message["Subject"]) for r in smtp.to(account.email))
    )
    return account


async def test_poison_on_every_partition_of_every_topic_stops_no_consumer(
    api: httpx.AsyncClient, system: RunningSystem, smtp_server: RecordingSmtp
) -> None:
    settings = system.settings
    before = await _shard_pids(settings)
    marker = f"poison-{uuid4().hex[:8]}"
    poisons = {
        (topic, partition): _poisons(f"{marker}/{topic.value}/{partition}", topic, partition)
        for topic in TOPICS
        for partition in range(settings.kafka_partitions)
    }
    await send_signed(settings, *(r for records in poisons.values() for r in records.values()))
    unsigned = [
        RawRecord(t.value, f"{marker}/{t.value}/{p}/unsigned".encode(), _unsigned(t), p)
        for t in TOPICS
        for p in range(settings.kafka_partitions)
    ]
    await send_forged(settings, *unsigned, signed_with=None)

    await _exceeded_by_email(api, smtp_server)

    per_topic = len(_poisons("", Topic.GOAL_ACHIEVED, 0)) + 1
    for topic in TOPICS:
        letters = await _dead_letters(
            settings, topic, marker, per_topic * settings.kafka_partitions
        )
        by_key = {letter["key"]: letter for letter in letters}
        assert len(by_key) == len(letters)  # one dead letter each: the topic's owner's
        for partition in range(settings.kafka_partitions):
            where = f"{marker}/{topic.value}/{partition}"
            reasons = {
                kind: by_key[f"{where}/{kind}"]["reason"]
                for kind in ("no-value", "empty", "ff-bytes", "deep", "number-user", "unsigned")
            }
            assert reasons["no-value"] == "the record has no value"
            assert reasons["empty"] == "DecodeError: Input data was truncated"
            assert "JSON is malformed" in reasons["ff-bytes"]
            assert "Expected `object`, got `array`" in reasons["deep"]
            assert "Expected `uuid`, got `int` - at `$.user_id`" in reasons["number-user"]
            assert reasons["unsigned"].startswith("signature does not verify")
            big = by_key[f"{where}/ff-bytes"]
            assert (big["value_size"], big["value_truncated"]) == (200_000, True)
            assert big["partition"] == partition and big["topic"] == topic.value
    assert await _shard_pids(settings) == before  # no shard was restarted by any of it


async def test_an_expense_in_the_calendars_last_week_applies_and_is_alerted(
    api: httpx.AsyncClient, system: RunningSystem, db: Settings, smtp_server: RecordingSmtp
) -> None:
    account = await signup_and_login(api)  # in UTC
    budget_id = await create_budget(api, account, "food", "10", "weekly")
    # As the transaction service writes it, whatever the edge of the API accepts.
    last_day = datetime(9999, 12, 31, 12, tzinfo=UTC)
    await transactions.create(
        account.id,
        NewTransaction(Decimal("12.00"), EntryType.EXPENSE, "food", None, last_day, None),
    )
    await spend(api, account, "4.00")  # read back once applied, so is the one before it
    [budget] = (await api.get("/api/budget", headers=account.auth)).json()
    assert (budget["spent"], budget["status"]) == ("4.00", "ok")

    shard = ray.get_actor(
        naming.ledger_shard(Ownership.of(db).shard_of(account.id)), namespace=naming.NAMESPACE
    )
    last_week = await shard.budget.remote(account.id, 0, UUID(budget_id), date.max)
    assert (last_week.spent, last_week.period_start, last_week.period_end) == (
        Decimal("12.00"),
        date(9999, 12, 27),
        date.max,
    )
    await smtp_server.wait_for(
        lambda: any(
            "Budget exceeded" in str(r.message["Subject"]) for r in smtp_server.to(account.email)
        )
    )


async def test_an_outbox_row_too_large_to_publish_holds_up_nothing(
    api: httpx.AsyncClient, system: RunningSystem, db: Settings, smtp_server: RecordingSmtp
) -> None:
    account = await signup_and_login(api)
    huge = n.goal_achieved(account.id, "x" * (MIB + 100_000))
    after = n.goal_achieved(account.id, "after the huge one")
    await stage(huge, after)

    await smtp_server.wait_for(
        lambda: any(
            "Goal reached: after the huge one" in str(r.message["Subject"])
            for r in smtp_server.to(account.email)
        )
    )
    [letter] = await _dead_letters(db, Topic.GOAL_ACHIEVED, str(account.id), 1)
    assert "MessageSizeTooLargeError" in letter["reason"]
    assert letter["value_size"] == len(huge.to_json()) and letter["value_truncated"]
    assert str(huge.id) in letter["value"]
    # The later record is on Kafka, and so read and sent, before the relay's transaction that
    # marks both rows commits.
    await eventually(
        lambda: OutboxEvent.exists(event_id=huge.id, published_at__isnull=False), within=10
    )
    # Listed for an operator with the rest, the record whole.
    [kept] = await DeadLetterRecord.filter(topic="goal_achieved", key=str(account.id).encode())
    assert bytes(kept.value) == huge.to_json() and kept.reason.startswith("not published")
