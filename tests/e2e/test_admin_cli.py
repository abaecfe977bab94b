"""`ledgerflow admin grant|revoke EMAIL` run as an operator runs it, against the running system's
database, and the role applying from the user's next login or refresh."""

import asyncio
import os
import sys

import httpx

from adapters.config import Settings
from tests.e2e.admins import admin_account, bearer
from tests.e2e.identity import signup_and_login, unique_email


async def ledgerflow_admin(settings: Settings, *args: str) -> tuple[int, str]:
    """The real command line, in a process of its own, pointed at the test database."""
    assert settings.database_url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "serve.cli",
        "admin",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=os.environ | {"DATABASE_URL": settings.database_url},
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def _system(api: httpx.AsyncClient, token: str) -> int:
    return (await api.get("/api/admin/system", headers=bearer(token))).status_code


async def _refreshed(api: httpx.AsyncClient, refresh_token: str) -> dict[str, str]:
    response = await api.post("/api/token/refresh", json={"refresh_token": refresh_token})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_grant_and_revoke_apply_from_the_next_refresh_and_are_audited(
    api: httpx.AsyncClient, db: Settings
) -> None:
    account = await signup_and_login(api)
    assert await _system(api, account.access) == 403

    code, out = await ledgerflow_admin(db, "grant", account.email.upper())
    assert code == 0, out
    assert f"{account.email} now has the role admin" in out
    assert await _system(api, account.access) == 403  # the token says what it said at login
    admin = await _refreshed(api, account.refresh)
    assert await _system(api, admin["access_token"]) == 200

    code, out = await ledgerflow_admin(db, "revoke", account.email)
    assert code == 0, out
    user_again = await _refreshed(api, admin["refresh_token"])
    assert await _system(api, user_again["access_token"]) == 403
    login = await api.post(
        "/api/user/login", json={"email": account.email, "password": account.password}
    )
    assert await _system(api, login.json()["access_token"]) == 403
    assert await _audit(api, account.email) == ["grant", "revoke"]


async def _audit(api: httpx.AsyncClient, target: str) -> list[str]:
    """The actions recorded about `target`, oldest first, as another admin reads them."""
    reader = await admin_account(api)
    response = await api.get("/api/admin/audit", headers=reader.auth, params={"limit": 200})
    entries = [e for e in response.json()["items"] if e["target"] == target]
    assert all(e["actor"].startswith("cli:") and e["actor_id"] is None for e in entries)
    return [e["action"] for e in reversed(entries)]


async def test_an_unknown_email_is_refused_by_name(db: Settings) -> None:
    email = unique_email("nobody")
    code, out = await ledgerflow_admin(db, "grant", email)
    assert code == 1
    assert f"user with the e-mail {email} not found" in out
