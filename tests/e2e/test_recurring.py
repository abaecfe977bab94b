"""Recurring transactions over HTTP and Kafka: each due date one ordinary transaction, written by
the shard owning the user, once, whatever restarts; and a bill reminder the day before."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import ray

from actors import ledger_shard, naming
from actors.domain.events import Event, Topic
from actors.domain.periods import local_date
from actors.domain.schedule import Cadence, occurrence
from actors.ownership import Ownership
from serve.system import RunningSystem
from tests.e2e.identity import Account, create_budget, signup_and_login
from tests.eventually import eventually
from tests.kafka_reader import read_until
from tests.smtp_server import RecordingSmtp

# Ahead of UTC all year: the user's "today" and "tomorrow" are often not UTC's.
ZONE = "Pacific/Kiritimati"


def _today(zone: str = ZONE) -> date:
    return local_date(datetime.now(UTC), zone)


async def _in_zone(api: httpx.AsyncClient, zone: str = ZONE, **profile: str) -> Account:
    account = await signup_and_login(api, **profile)
    changed = await api.patch("/api/user/me", headers=account.auth, json={"timezone": zone})
    assert changed.status_code == 200, changed.text
    return account


async def _series(api: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    body = {"amount": "25.00", "type": "expense", "category": "streaming", "cadence": "monthly"}
    response = await api.post("/api/recurring", headers=account.auth, json=body | fields)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _occurrences(api: httpx.AsyncClient, account: Account, series: str) -> list[date]:
    """The local dates of the user's transactions of the series, oldest first."""
    page = await api.get("/api/transaction", headers=account.auth, params={"limit": 200})
    assert page.status_code == 200, page.text
    mine = [t for t in page.json()["items"] if t["recurring_id"] == series]
    return sorted(local_date(datetime.fromisoformat(t["occurred_at"]), ZONE) for t in mine)


def _two_months_ago(today: date) -> date:
    return occurrence(Cadence.MONTHLY, today, -2)


async def _kill_shard(system: RunningSystem, user_id: UUID) -> int:
    index = Ownership.of(system.settings).shard_of(user_id)
    name = naming.ledger_shard(index)
    ray.kill(ray.get_actor(name, namespace=naming.NAMESPACE), no_restart=True)

    async def released() -> bool:
        return name not in {a["name"] for a in ray.util.list_named_actors(all_namespaces=True)}

    await eventually(released)
    return index


async def _restart_shards(system: RunningSystem, index: int) -> None:
    restarted = ledger_shard.start(system.settings.model_copy(update={"jwt_private_key": None}))
    # Held for the session as `up` holds its actors: Ray ends an actor nobody holds a handle to.
    system.actors += restarted
    await restarted[index].ready.remote()


async def test_a_series_started_two_months_ago_writes_three_transactions_once(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    account = await _in_zone(api)
    budget = await create_budget(api, account, category="streaming", limit="100")
    today = _today()
    start = _two_months_ago(today)
    series = await _series(api, account, start=start.isoformat(), description="films")
    due = [occurrence(Cadence.MONTHLY, start, n) for n in range(3)]
    assert due[-1] == today  # today's counts: it is due
    assert series["next_due"] == occurrence(Cadence.MONTHLY, start, 3).isoformat()
    assert await _occurrences(api, account, series["id"]) == due

    # Ordinary transactions: on Kafka as transaction_created, and in the budget of this month.
    assert system.settings.kafka_bootstrap

    def created(events: list[Event]) -> list[Event]:
        return [e for e in events if e.payload.get("recurring_id") == series["id"]]

    events = await read_until(
        system.settings.kafka_bootstrap,
        Topic.TRANSACTION_CREATED,
        lambda es: len(created(es)) >= 3,
    )
    assert sorted(e.payload["local_date"] for e in created(events)) == [d.isoformat() for d in due]
    shown = (await api.get(f"/api/budget/{budget}", headers=account.auth)).json()
    assert shown["spent"] == "25.00"

    # The owning shard dies. A series created meanwhile, also started two months ago, is
    # written when the shard is back; the first one is not written again.
    index = await _kill_shard(system, account.id)
    late = await _series(api, account, start=start.isoformat(), amount="7.50")
    assert late["next_due"] == start.isoformat()  # nothing written yet: no shard to do it
    await _restart_shards(system, index)

    async def caught_up() -> bool:
        return await _occurrences(api, account, late["id"]) == due

    await eventually(caught_up)
    assert await _occurrences(api, account, series["id"]) == due
    # Asked again, as a retried call or a second shard would: nothing is due any more.
    shard = ray.get_actor(naming.ledger_shard(index), namespace=naming.NAMESPACE)
    assert await shard.carry_out_recurring.remote(account.id) == 0
    assert await _occurrences(api, account, series["id"]) == due
    late_now = (await api.get(f"/api/recurring/{late['id']}", headers=account.auth)).json()
    assert late_now["next_due"] == series["next_due"]
    shown = (await api.get(f"/api/budget/{budget}", headers=account.auth)).json()
    assert shown["spent"] == "32.50"


async def test_a_bill_reminder_arrives_once_the_day_before(
    api: httpx.AsyncClient, system: RunningSystem, smtp_server: RecordingSmtp
) -> None:
    account = await _in_zone(api)
    tomorrow = _today() + timedelta(days=1)
    salary = await _series(api, account, type="income", category="salary", start=str(tomorrow))
    rent = await _series(api, account, category="rent", amount="950", start=str(tomorrow))
    assert rent["next_due"] == salary["next_due"] == tomorrow.isoformat()
    # Asked again (a change to the series carries it out again): still one reminder.
    changed = await api.patch(
        f"/api/recurring/{rent['id']}", headers=account.auth, json={"description": "flat"}
    )
    assert changed.status_code == 200, changed.text
    # A second bill behind it on the same partition: once its reminder is in, so is all of rent's.
    await _series(api, account, category="phone", amount="30", start=str(tomorrow))
    await smtp_server.wait_for_count(account.email, 3)  # welcome, rent, phone

    subjects = Counter(str(r.message["Subject"]) for r in smtp_server.to(account.email))
    assert subjects == {
        "Welcome to ledgerflow, Test User": 1,
        "Bill due tomorrow: 950.00, rent": 1,
        "Bill due tomorrow: 30.00, phone": 1,
    }
    [email] = [r for r in smtp_server.to(account.email) if "rent" in str(r.message["Subject"])]
    assert f"{tomorrow.day} {tomorrow:%B %Y}" in email.body("plain")
    assert system.settings.kafka_bootstrap
    events = await read_until(
        system.settings.kafka_bootstrap,
        Topic.BILL_DUE,
        lambda es: any(e.payload.get("category") == "phone" for e in es),
    )
    mine = [e for e in events if e.user_id == account.id]
    assert sorted(e.payload["category"] for e in mine) == ["phone", "rent"]
    assert {e.payload["due_date"] for e in mine} == {tomorrow.isoformat()}
    assert await _occurrences(api, account, rent["id"]) == []  # due tomorrow, not today


async def test_series_crud_is_the_users_own(api: httpx.AsyncClient) -> None:
    owner, intruder = await _in_zone(api), await _in_zone(api)
    today = _today()
    start = _two_months_ago(today)
    series = await _series(api, owner, start=str(start), cadence="weekly", category="Lunch")
    assert (series["category"], series["cadence"], series["amount"]) == ("lunch", "weekly", "25.00")
    assert (series["start"], series["end"], series["goal_id"]) == (str(start), None, None)
    written = await _occurrences(api, owner, series["id"])
    assert written and written[-1] <= today < written[-1] + timedelta(days=7)
    path = f"/api/recurring/{series['id']}"

    for method in ("GET", "PATCH", "DELETE"):
        assert (await api.request(method, path, json={})).status_code == 401
    assert (await api.post("/api/recurring", json={})).status_code == 401
    listed = (await api.get("/api/recurring", headers=owner.auth)).json()
    assert [s["id"] for s in listed] == [series["id"]]
    assert (await api.get("/api/recurring", headers=intruder.auth)).json() == []
    for method, body in (("GET", None), ("PATCH", {"amount": "1"}), ("DELETE", None)):
        response = await api.request(method, path, headers=intruder.auth, json=body)
        assert response.status_code == 404, (method, response.text)
    assert (await api.get(path, headers=owner.auth)).json()["amount"] == "25.00"

    # An end before tomorrow: the series has ended, with what it wrote kept.
    ended = await api.patch(path, headers=owner.auth, json={"amount": "9", "end": str(today)})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["amount"], ended.json()["next_due"]) == ("9.00", None)
    assert await _occurrences(api, owner, series["id"]) == written

    deleted = await api.delete(path, headers=owner.auth)
    assert deleted.status_code == 204
    assert (await api.get(path, headers=owner.auth)).status_code == 404
    assert await _occurrences(api, owner, series["id"]) == written  # the past is kept


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cadence": "daily"}, "cadence"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"start": "2025-02-30"}, "start"),
        ({"start": "1960-01-01"}, "start"),
        ({"start": "2026-01-10", "end": "2026-01-09"}, "end"),
        ({"type": "transfer"}, "type"),
    ],
)
async def test_a_bad_series_is_a_422_naming_the_field(
    api: httpx.AsyncClient, fields: dict[str, str], field: str
) -> None:
    account = await signup_and_login(api)
    body = {"amount": "10", "type": "expense", "category": "gym", "cadence": "monthly"}
    response = await api.post(
        "/api/recurring", headers=account.auth, json=body | {"start": "2026-01-10"} | fields
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_change_to_an_end_before_the_start_is_a_422(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    series = await _series(api, account, start=str(_today() + timedelta(days=30)))
    path = f"/api/recurring/{series['id']}"
    response = await api.patch(path, headers=account.auth, json={"end": "2020-01-01"})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["end"]
    assert (await api.get(path, headers=account.auth)).json()["end"] is None
