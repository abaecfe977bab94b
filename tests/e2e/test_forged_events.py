"""Someone who can reach the broker but has not the event key: a forged transaction changes no
budget and takes no sequence number, a real record copied to another partition changes no
ledger, a forged alert sends nothing, and each is dead-lettered."""

import asyncio
from functools import partial
from typing import Any
from uuid import uuid4

import httpx
import msgspec
import psutil
import ray

from actors import naming
from actors.domain.events import Event, Topic
from actors.domain.signatures import EventKey, generate_event_key
from actors.ownership import Ownership
from adapters.config import Settings
from serve.system import RunningSystem
from tests.e2e.identity import Account, create_budget, signup_and_login
from tests.e2e.notifications import deliveries, stage
from tests.eventually import eventually
from tests.kafka_reader import dead_letters_naming, read_until, read_whole_records_until
from tests.kafka_writer import RawRecord, send_forged
from tests.smtp_server import RecordingSmtp
from tests.twilio_server import FakeTwilio
from tests.unit import notification_events as n

NOT_OURS = EventKey(generate_event_key())
LURE = "URGENT: verify your account at http://evil.example/login"


async def _expense(api: httpx.AsyncClient, account: Account, amount: str) -> None:
    body = {"amount": amount, "type": "expense", "category": "food"}
    response = await api.post("/api/transaction", headers=account.auth, json=body)
    assert response.status_code == 201, response.text


async def _food_budget(api: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    response = await api.get("/api/budget", headers=account.auth)
    assert response.status_code == 200, response.text
    [budget] = response.json()
    return dict(budget)


async def _dead_letters(
    settings: Settings, topic: Topic, forged: list[Event], copies: int = 1
) -> list[dict[str, Any]]:
    """The dead letters of the forged events, once there are `copies` for each."""
    assert settings.kafka_bootstrap
    ids = [str(event.id) for event in forged]
    return await dead_letters_naming(
        settings.kafka_bootstrap, topic.dead_letter, ids, copies * len(ids)
    )


def _refused(letters: list[dict[str, Any]]) -> bool:
    return all(letter["reason"].startswith("signature does not verify") for letter in letters)


async def test_a_forged_transaction_changes_nothing_and_the_next_real_one_counts(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    settings = system.settings
    assert settings.kafka_bootstrap
    account = await signup_and_login(api)
    await create_budget(api, account, "food", "100", "monthly")
    await _expense(api, account, "11.00")
    assert (await _food_budget(api, account))["spent"] == "11.00"

    # A copy of the user's real event with a new id, a big amount and the user's next sequence.
    [real] = [
        e
        for e in await read_until(
            settings.kafka_bootstrap,
            Topic.TRANSACTION_CREATED,
            lambda es: any(e.user_id == account.id for e in es),
        )
        if e.user_id == account.id
    ]
    forged = [
        msgspec.structs.replace(
            real,
            id=uuid4(),
            payload=dict(real.payload)
            | {
                "transaction_id": str(uuid4()),
                "amount": "500.00",
                "sequence": real.payload["sequence"] + 1,
            },
        )
        for _ in range(2)
    ]
    await send_forged(settings, forged[0], signed_with=None)
    await send_forged(settings, forged[1], signed_with=NOT_OURS)

    letters = await _dead_letters(settings, Topic.TRANSACTION_CREATED, forged)
    assert {letter["topic"] for letter in letters} == {"transaction_created"}
    assert _refused(letters)
    assert (await _food_budget(api, account))["spent"] == "11.00"

    # The real change that takes that sequence number counts: the forgeries did not take it.
    await _expense(api, account, "20.00")
    budget = await _food_budget(api, account)
    assert (budget["spent"], budget["status"]) == ("31.00", "ok")


async def test_a_real_record_copied_to_another_partition_is_dead_lettered(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    settings = system.settings
    assert settings.kafka_bootstrap
    account = await signup_and_login(api)
    await create_budget(api, account, "food", "100", "monthly")
    await _expense(api, account, "11.00")
    key = str(account.id).encode()
    [real] = [
        r
        for r in await read_whole_records_until(
            settings.kafka_bootstrap,
            Topic.TRANSACTION_CREATED,
            lambda rs: any(r.key == key for r in rs),
        )
        if r.key == key
    ]
    assert real.value
    # Another shard owns the next partition. Unchecked, it would take the user's ledger as it
    # is now, and save that over the owner's once the owner has applied a newer change.
    elsewhere = (real.partition + 1) % settings.kafka_partitions
    copy = RawRecord(real.topic, key, real.value, elsewhere, list(real.headers))
    await send_forged(settings, copy, signed_with=None)
    await _expense(api, account, "20.00")
    await send_forged(settings, copy, signed_with=None)

    event = Event.from_json(real.value)
    assert _refused(await _dead_letters(settings, Topic.TRANSACTION_CREATED, [event], copies=2))
    # The owner, restarted, starts again from what is stored: every real change.
    owner = ray.get_actor(
        naming.ledger_shard(Ownership.of(settings).shard_of_partition(real.partition)),
        namespace=naming.NAMESPACE,
    )
    process = psutil.Process((await owner.ready.remote())["pid"])
    ray.kill(owner, no_restart=False)
    await asyncio.to_thread(process.wait)
    await owner.ready.remote()
    assert (await _food_budget(api, account))["spent"] == "31.00"


async def _alerts_sent(event: Event) -> bool:
    return bool(rows := await deliveries(event)) and all(row.state == "sent" for row in rows)


async def test_a_forged_alert_sends_nothing_and_is_dead_lettered(
    api: httpx.AsyncClient,
    system: RunningSystem,
    db: Settings,
    smtp_server: RecordingSmtp,
    twilio_server: FakeTwilio,
) -> None:
    number = n.phone()
    account = await signup_and_login(api, phone=number)
    await smtp_server.wait_for_count(account.email, 1)  # the welcome
    forged = [n.budget_exceeded(account.id, LURE) for _ in range(2)]
    await send_forged(system.settings, forged[0], signed_with=None)
    await send_forged(system.settings, forged[1], signed_with=NOT_OURS)

    assert _refused(await _dead_letters(system.settings, Topic.BUDGET_EXCEEDED, forged))
    for event in forged:  # claimed with the offsets that passed it: never, then
        assert await deliveries(event) == []

    # A real alert behind the forged ones on the user's partition goes out, and only it.
    real = n.budget_exceeded(account.id)
    await stage(real)
    await eventually(partial(_alerts_sent, real))
    subjects = [str(received.message["Subject"]) for received in smtp_server.to(account.email)]
    assert subjects == ["Welcome to ledgerflow, Test User", "Budget exceeded: groceries, November"]
    [sms] = twilio_server.to(number)
    assert "evil.example" not in sms["body"]
