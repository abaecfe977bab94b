"""The admin API end to end: the role check on every admin route, locks, dead letters replayed
once, the state of the system and the audit log."""

import json
import re
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import jwt
import pytest

from actors.domain.events import Event
from actors.domain.signatures import EventKey, generate_event_key
from adapters import sessions
from adapters.config import Settings
from adapters.database import credentials
from adapters.models import DeadLetterRecord, Delivery
from serve.system import RunningSystem
from tests.e2e.admins import admin_account, login
from tests.e2e.identity import Account, signup_and_login, unique_email
from tests.e2e.notifications import deliveries
from tests.eventually import eventually
from tests.kafka_writer import send_forged, send_signed
from tests.smtp_server import RecordingSmtp
from tests.unit import notification_events as n

ADMIN_ROUTES = {
    ("GET", "/api/admin/users"),
    ("POST", "/api/admin/users/{user_id}/lock"),
    ("POST", "/api/admin/users/{user_id}/unlock"),
    ("GET", "/api/admin/dead-letters"),
    ("POST", "/api/admin/dead-letters/{dead_letter_id}/replay"),
    ("GET", "/api/admin/system"),
    ("GET", "/api/admin/audit"),
}


@pytest.fixture
async def admin(api: httpx.AsyncClient, db: Settings) -> Account:
    return await admin_account(api)


async def _audit_of(api: httpx.AsyncClient, admin: Account, target: str) -> list[tuple[str, str]]:
    """(actor, action) of the newest audit entries about `target`, oldest first."""
    response = await api.get("/api/admin/audit", headers=admin.auth, params={"limit": 200})
    assert response.status_code == 200, response.text
    entries = [e for e in response.json()["items"] if e["target"] == target]
    return [(e["actor"], e["action"]) for e in reversed(entries)]


async def test_every_admin_route_is_401_without_a_token_and_403_with_a_user_token(
    api: httpx.AsyncClient,
) -> None:
    user = await signup_and_login(api)
    spec = (await api.get("/openapi.json")).json()
    routes = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith("/api/admin/")
        for method in operations
    }
    assert routes >= ADMIN_ROUTES  # the table below is the running system's own
    values = {"user_id": str(uuid4()), "dead_letter_id": "1"}
    wrong = []
    for method, path in sorted(routes):
        url = re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], path)
        anonymous = await api.request(method, url)
        as_user = await api.request(method, url, headers=user.auth)
        if anonymous.status_code != 401 or as_user.status_code != 403:
            wrong.append(f"{method} {path}: {anonymous.status_code}, {as_user.status_code}")
        elif as_user.json()["detail"] != "this needs the admin role":
            wrong.append(f"{method} {path}: {as_user.text}")
    assert wrong == []


async def test_the_users_listing_finds_by_exact_email_in_any_case_and_pages(
    api: httpx.AsyncClient, admin: Account
) -> None:
    first, second = await signup_and_login(api), await signup_and_login(api)
    found = await api.get(
        "/api/admin/users", headers=admin.auth, params={"email": second.email.upper()}
    )
    assert found.status_code == 200, found.text
    [item] = found.json()["items"]
    assert (item["id"], item["email"], item["role"], item["locked_at"]) == (
        str(second.id),
        second.email,
        "user",
        None,
    )
    assert "password" not in found.text and "argon2" not in found.text
    prefix = second.email.split("@")[0]
    partial_match = await api.get("/api/admin/users", headers=admin.auth, params={"email": prefix})
    assert partial_match.json() == {"items": [], "next_cursor": None}

    # Newest first, one a page: the second user, then the first, and older ones after them.
    seen: list[str] = []
    cursor = None
    for _ in range(2):
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/api/admin/users", headers=admin.auth, params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        assert cursor
    assert seen == [str(second.id), str(first.id)]
    refused = await api.get("/api/admin/users", headers=admin.auth, params={"cursor": "nonsense"})
    assert refused.status_code == 422 and "cursor" in refused.json()["detail"]


async def test_a_lock_ends_every_session_at_once_and_unlock_lets_the_user_log_in_again(
    api: httpx.AsyncClient, admin: Account, db: Settings
) -> None:
    target = await signup_and_login(api)
    other_device = await login(api, target)
    sids = {_claims(account.access)["sid"] for account in (target, other_device)}
    # What every other gateway replica hears: each session revoked, by NOTIFY.
    assert db.database_url
    listener = await asyncpg.connect(**credentials(db.database_url))
    heard: set[str] = set()
    await listener.add_listener(sessions.REVOKED_CHANNEL, lambda *args: heard.add(args[-1]))

    async def every_session_heard() -> bool:
        return sids <= heard

    try:
        locked = await api.post(f"/api/admin/users/{target.id}/lock", headers=admin.auth)
        assert locked.status_code == 200, locked.text
        assert locked.json()["locked_at"] is not None

        for account in (target, other_device):
            me = await api.get("/api/user/me", headers=account.auth)
            assert me.status_code == 401, me.text
        refreshed = await api.post(
            "/api/token/refresh", json={"refresh_token": other_device.refresh}
        )
        assert refreshed.status_code == 401
        refused = await api.post(
            "/api/user/login", json={"email": target.email, "password": target.password}
        )
        assert refused.status_code == 403
        assert refused.json()["detail"] == "this account is locked by an administrator"
        await eventually(every_session_heard, within=10)
    finally:
        await listener.close()

    unlocked = await api.post(f"/api/admin/users/{target.id}/unlock", headers=admin.auth)
    assert unlocked.status_code == 200 and unlocked.json()["locked_at"] is None
    again = await login(api, target)
    assert (await api.get("/api/user/me", headers=again.auth)).status_code == 200
    assert (await api.get("/api/user/me", headers=target.auth)).status_code == 401
    assert await _audit_of(api, admin, target.email) == [
        (admin.email, "lock"),
        (admin.email, "unlock"),
    ]


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


async def test_an_admin_cannot_lock_themselves_and_an_unknown_user_is_404(
    api: httpx.AsyncClient, admin: Account
) -> None:
    themselves = await api.post(f"/api/admin/users/{admin.id}/lock", headers=admin.auth)
    assert themselves.status_code == 403
    unknown = await api.post(f"/api/admin/users/{uuid4()}/lock", headers=admin.auth)
    assert unknown.status_code == 404
    assert (await api.get("/api/user/me", headers=admin.auth)).status_code == 200


async def _dead_letter_of(delivery: Delivery) -> DeadLetterRecord | None:
    return await DeadLetterRecord.get_or_none(delivery_id=delivery.id)


async def _letter_for(delivery: Delivery) -> DeadLetterRecord:
    await eventually(lambda: _has_letter(delivery))
    letter = await _dead_letter_of(delivery)
    assert letter is not None
    return letter


async def _has_letter(delivery: Delivery) -> bool:
    return await _dead_letter_of(delivery) is not None


async def _listed(api: httpx.AsyncClient, admin: Account, letter_id: int) -> dict[str, Any]:
    response = await api.get("/api/admin/dead-letters", headers=admin.auth, params={"limit": 200})
    assert response.status_code == 200, response.text
    [listed] = [item for item in response.json()["items"] if item["id"] == letter_id]
    return listed  # type: ignore[no-any-return]


async def test_an_undeliverable_message_replayed_is_delivered_once(
    api: httpx.AsyncClient, admin: Account, smtp_server: RecordingSmtp
) -> None:
    email = unique_email("undeliverable")
    smtp_server.reject(email)  # 550: given up at the first try
    account = await signup_and_login(api, email=email)
    [delivery] = await _deliveries_of(account.id)
    letter = await _letter_for(delivery)
    listed = await _listed(api, admin, letter.id)
    assert (listed["topic"], listed["kind"], listed["delivery_id"]) == (
        "user_registered",
        "undeliverable",
        delivery.id,
    )
    assert "550" in listed["reason"] and json.loads(listed["value"])["recipient"] == email
    assert listed["created_at"] and listed["replayed_at"] is None

    smtp_server.accept(email)
    replayed = await api.post(f"/api/admin/dead-letters/{letter.id}/replay", headers=admin.auth)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["replayed_at"] is not None
    await smtp_server.wait_for_count(email, 1)
    await eventually(partial(_state_is, delivery.id, "sent"))
    again = await api.post(f"/api/admin/dead-letters/{letter.id}/replay", headers=admin.auth)
    assert again.status_code == 409
    assert [r.message["Subject"] for r in smtp_server.to(email)] == [
        "Welcome to ledgerflow, Test User"
    ]
    assert smtp_server.attempts[email.lower()] == 1  # the 550 was said before any DATA
    assert await _audit_of(api, admin, f"dead letter {letter.id}") == [(admin.email, "replay")]


async def _deliveries_of(user_id: UUID) -> list[Delivery]:
    await eventually(lambda: Delivery.filter(user_id=user_id).exists())
    return await Delivery.filter(user_id=user_id)


async def _state_is(delivery_id: int, state: str) -> bool:
    return (await Delivery.get(id=delivery_id)).state == state


async def _letters_holding(marker: str) -> list[DeadLetterRecord]:
    rows = await DeadLetterRecord.filter(delivery_id=None).order_by("id")
    return [row for row in rows if marker.encode() in bytes(row.value)]


async def _count_holding(marker: str, count: int) -> bool:
    return len(await _letters_holding(marker)) >= count


async def test_a_record_signed_with_a_retired_key_is_replayed_with_todays_key_and_sent_once(
    api: httpx.AsyncClient,
    admin: Account,
    system: RunningSystem,
    smtp_server: RecordingSmtp,
) -> None:
    account = await signup_and_login(api)
    goal = n.goal_achieved(account.id, "signed with a retired key")
    await send_forged(system.settings, goal, signed_with=EventKey(generate_event_key()))
    await eventually(partial(_count_holding, str(goal.id), 1))
    [letter] = await _letters_holding(str(goal.id))
    listed = await _listed(api, admin, letter.id)
    assert (listed["topic"], listed["kind"]) == ("goal_achieved", "unreadable")
    assert listed["reason"].startswith("signature does not verify")

    replayed = await api.post(f"/api/admin/dead-letters/{letter.id}/replay", headers=admin.auth)
    assert replayed.status_code == 200, replayed.text
    await smtp_server.wait_for(
        lambda: any(
            r.message["Subject"] == "Goal reached: signed with a retired key"
            for r in smtp_server.to(account.email)
        )
    )
    await eventually(partial(_sent_once, goal.id))
    assert len(smtp_server.to(account.email)) == 2  # the welcome and the goal


async def _sent_once(event_id: UUID) -> bool:
    rows = await Delivery.filter(event_id=event_id)
    return [row.state for row in rows] == ["sent"]


async def test_a_malformed_record_replayed_is_dead_lettered_again(
    api: httpx.AsyncClient, admin: Account, system: RunningSystem
) -> None:
    account = await signup_and_login(api)
    goal = n.goal_achieved(account.id)
    broken = Event(goal.type, goal.user_id, goal.occurred_at, {"name": "no target"}, goal.id)
    await send_signed(system.settings, broken)
    await eventually(partial(_count_holding, str(goal.id), 1))
    [first] = await _letters_holding(str(goal.id))
    replayed = await api.post(f"/api/admin/dead-letters/{first.id}/replay", headers=admin.auth)
    assert replayed.status_code == 200, replayed.text
    await eventually(partial(_count_holding, str(goal.id), 2))
    second = (await _letters_holding(str(goal.id)))[1]
    assert bytes(second.value) == bytes(first.value) and second.reason == first.reason
    assert second.replayed_at is None
    assert await deliveries(goal) == []


async def test_replaying_an_unknown_dead_letter_is_404(
    api: httpx.AsyncClient, admin: Account
) -> None:
    response = await api.post("/api/admin/dead-letters/999999999/replay", headers=admin.auth)
    assert response.status_code == 404
    too_big = await api.post(f"/api/admin/dead-letters/{2**63}/replay", headers=admin.auth)
    assert too_big.status_code == 422


async def _caught_up(api: httpx.AsyncClient, admin: Account) -> bool:
    state = (await api.get("/api/admin/system", headers=admin.auth)).json()
    return state["outbox_backlog"] == 0 and all(c["lag"] == 0 for c in state["consumers"])


async def test_the_system_state_names_every_part_ready_and_the_consumers_caught_up(
    api: httpx.AsyncClient, admin: Account, system: RunningSystem
) -> None:
    response = await api.get("/api/admin/system", headers=admin.auth)
    assert response.status_code == 200, response.text
    state = response.json()
    parts = {part["name"]: (part["kind"], part["state"]) for part in state["parts"]}
    shards = system.settings.ledger_shards
    assert parts == {
        "postgresql": ("server", "ok"),
        "kafka": ("server", "ok"),
        "gateway": ("deployment", "HEALTHY"),
        "users": ("deployment", "HEALTHY"),
        "tokens": ("deployment", "HEALTHY"),
        "outbox-relay": ("actor", "ready"),
        "messaging": ("actor", "ready"),
        "courier-email": ("actor", "ready"),
        "courier-sms": ("actor", "ready"),
    } | {f"ledger-shard-{i}": ("actor", "ready") for i in range(shards)}
    consumers = {c["consumer"]: c["partitions"] for c in state["consumers"]}
    partitions = list(range(system.settings.kafka_partitions))
    assert consumers == {
        f"ledger-shard-{i}": [p for p in partitions if p % shards == i] for i in range(shards)
    } | {"messaging": partitions}
    await signup_and_login(api)  # one more event through the outbox to every consumer
    await eventually(partial(_caught_up, api, admin))
