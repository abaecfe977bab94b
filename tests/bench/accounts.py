"""Users of the HTTP figures: signed up and logged in over HTTP, with budgets and a goal."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import uuid4

import httpx

from tests.bench.seed import BUDGETS, GOAL_TARGET, LIMIT
from tests.client_addresses import any_loopback, client_from
from tests.e2e.identity import Account, signup_and_login

PARALLEL = 8  # sign-ups at once: Argon2 is CPU work, more would only queue
T = TypeVar("T")


async def _bounded(count: int, work: Callable[[int], Awaitable[T]]) -> list[T]:
    gate = asyncio.Semaphore(PARALLEL)

    async def one(index: int) -> T:
        async with gate:
            return await work(index)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def _ok(response: httpx.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()  # type: ignore[no-any-return]


async def sign_up(api: httpx.AsyncClient, count: int) -> list[Account]:
    """`count` new users, each logged in once."""
    run = uuid4().hex[:8]

    async def one(index: int) -> Account:
        email = f"bench-{run}-{index}@example.com"
        # Each from an address of its own: sign-ups are limited per client address.
        async with client_from(str(api.base_url), any_loopback(), api.timeout.read or 30) as own:
            return await signup_and_login(own, email=email, name=f"Bench {index}")

    return await _bounded(count, one)


async def give_budgets(api: httpx.AsyncClient, accounts: list[Account]) -> None:
    """Three budgets and one goal each, as the shard users of the memory figure have."""

    async def one(index: int) -> None:
        account = accounts[index]
        for category, period in BUDGETS:
            body = {"category": category, "limit": str(LIMIT), "period": period}
            _ok(await api.post("/api/budget", json=body, headers=account.auth), 201)
        body = {"name": "holiday", "target_amount": str(GOAL_TARGET)}
        _ok(await api.post("/api/goal", json=body, headers=account.auth), 201)

    await _bounded(len(accounts), one)


async def caught_up(api: httpx.AsyncClient, accounts: list[Account]) -> None:
    """Until every user's ledger has applied the user's last write: a budget read waits for it
    (read-your-writes) and answers 503 when that takes longer than its bounded wait."""

    async def one(index: int) -> None:
        while (
            response := await api.get("/api/budget", headers=accounts[index].auth)
        ).status_code == 503:
            pass
        _ok(response, 200)

    await _bounded(len(accounts), one)
