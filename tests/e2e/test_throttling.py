"""Guessing and lock-out over HTTP: attempts are counted before any password is checked, per
account and address, per address and per account, so concurrent guesses check no more than the
allowance, a stranger cannot lock the owner out, and a spray from one address is slowed.
Each client comes from a loopback address of its own (tests/client_addresses.py)."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from tortoise import connections

from actors.domain.throttle import (
    LOGIN_ACCOUNT_FROM_ADDRESS,
    LOGIN_FROM_ADDRESS,
    REFRESH_FROM_ADDRESS,
    SIGNUP_FROM_ADDRESS,
)
from adapters.config import Settings
from serve.system import RunningSystem
from tests.client_addresses import any_loopback, client_from
from tests.e2e.identity import Account, signup_and_login, unique_email


@pytest.fixture
async def stranger(system: RunningSystem) -> AsyncIterator[httpx.AsyncClient]:
    async with client_from(system.api_url, any_loopback(), timeout=120) as client:
        yield client


async def _login(
    api: httpx.AsyncClient, email: str, password: str, headers: dict[str, str] | None = None
) -> int:
    body = {"email": email, "password": password}
    response = await api.post("/api/user/login", json=body, headers=headers)
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) >= 1
    return response.status_code


def _throttled_for(response: httpx.Response, limits: str) -> bool:
    return response.status_code == 429 and response.json()["detail"].startswith(limits)


async def test_40_concurrent_guesses_check_at_most_5_passwords(
    api: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    owner = await signup_and_login(api)
    guesses = await asyncio.gather(
        *(_login(stranger, owner.email, f"guess-{n}-wrong") for n in range(40))
    )
    assert Counter(guesses) == {401: LOGIN_ACCOUNT_FROM_ADDRESS.free, 429: 35}
    assert LOGIN_ACCOUNT_FROM_ADDRESS.free == 5


async def test_the_owner_still_logs_in_from_their_address_after_a_strangers_guesses(
    api: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    owner = await signup_and_login(api)
    await asyncio.gather(*(_login(stranger, owner.email, f"guess-{n}-wrong") for n in range(40)))
    assert await _login(stranger, owner.email, owner.password) == 429
    assert await _login(api, owner.email, owner.password) == 200


async def test_a_forwarded_for_header_does_not_change_the_strangers_bucket(
    api: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    owner = await signup_and_login(api)
    for n in range(LOGIN_ACCOUNT_FROM_ADDRESS.free):
        assert await _login(stranger, owner.email, f"guess-{n}-wrong") == 401
    for forged in ("203.0.113.9", any_loopback(), "203.0.113.9, 127.0.0.1"):
        spoofed = await _login(
            stranger, owner.email, "one-more-guess", headers={"X-Forwarded-For": forged}
        )
        assert spoofed == 429, forged
    assert await _login(api, owner.email, owner.password) == 200


async def test_a_password_spray_from_one_address_is_slowed(
    api: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    owner = await signup_and_login(api)
    # One guess on each of many accounts: each account's own allowance is never reached.
    statuses = []
    for _ in range(LOGIN_FROM_ADDRESS.free + 5):
        response = await stranger.post(
            "/api/user/login", json={"email": unique_email(), "password": "Summer2026!"}
        )
        statuses.append(response.status_code)
    assert statuses == [401] * LOGIN_FROM_ADDRESS.free + [429] * 5
    assert _throttled_for(response, "too many failed logins from your address")
    # The spray's address is slowed, not everybody.
    assert await _login(stranger, owner.email, owner.password) == 429
    assert await _login(api, owner.email, owner.password) == 200


async def test_60_concurrent_signups_from_one_address_create_only_the_allowance(
    stranger: httpx.AsyncClient, db: Settings
) -> None:
    batch = uuid4().hex[:10]

    async def sign_up(n: int) -> httpx.Response:
        body = {"name": "Flood", "email": f"flood-{batch}-{n}@example.com"}
        return await stranger.post(
            "/api/user/signup", json=body | {"password": "correct horse battery"}
        )

    responses = await asyncio.gather(*(sign_up(n) for n in range(60)))
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: SIGNUP_FROM_ADDRESS.free, 429: 60 - SIGNUP_FROM_ADDRESS.free}
    refused = next(r for r in responses if r.status_code == 429)
    assert _throttled_for(refused, "too many sign-ups from your address")
    # No account, so no registration event and no welcome e-mail, for a refused sign-up.
    stored = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS n FROM users WHERE email LIKE $1", [f"flood-{batch}-%"]
    )
    assert stored[0]["n"] == SIGNUP_FROM_ADDRESS.free


async def test_random_refresh_tokens_from_one_address_are_slowed(
    api: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    owner: Account = await signup_and_login(api)
    statuses = []
    for _ in range(REFRESH_FROM_ADDRESS.free + 3):
        response = await stranger.post(
            "/api/token/refresh", json={"refresh_token": uuid4().hex + uuid4().hex}
        )
        statuses.append(response.status_code)
    assert statuses == [401] * REFRESH_FROM_ADDRESS.free + [429] * 3
    assert _throttled_for(response, "too many refused refresh tokens from your address")
    refreshed = await api.post("/api/token/refresh", json={"refresh_token": owner.refresh})
    assert refreshed.status_code == 200


async def test_good_refreshes_do_not_add_up(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    token = account.refresh
    for _ in range(REFRESH_FROM_ADDRESS.free + 5):
        response = await api.post("/api/token/refresh", json={"refresh_token": token})
        assert response.status_code == 200, response.text
        token = response.json()["refresh_token"]
