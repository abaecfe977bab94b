"""CPU per request of the gateway's own app, without HTTP, Ray or Kafka: the replica's FastAPI app
(`serve.gateway.build_api` with the state its constructor sets) called in process as an ASGI
app, from 32 tasks at once, on a temporary database of a real PostgreSQL server.
`DATABASE_URL=postgres://... python -m tests.bench.gateway [--requests N] [--rounds R]`

Each round measures the no-op (`GET /api/health`), the reads (`GET /api/budget`,
`GET /api/goal`: the replica's copy answers, as in steady state, so no shard is called) and the
write (`POST /api/transaction`): the process's CPU time per request, which is the app's share
of a replica's cost (the HTTP server and Serve's own are not in it), PostgreSQL's backends
apart; then the Python function calls per request, which others' load does not change."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import psutil

from actors.domain.ledger import BudgetPosition, BudgetStatus, GoalPosition
from actors.domain.periods import Period
from actors.domain.rollover import Rollover
from actors.domain.tokens import (
    AccessTokenIssuer,
    AccessTokenVerifier,
    TokenPolicy,
    generate_signing_key,
    public_key_pem,
)
from adapters import database, users
from adapters.config import Settings
from adapters.revocations import RevokedSessions
from serve.auth import Authenticator
from serve.gateway import build_api
from serve.ledger_reader import LedgerReader

TASKS = 32
CALLS_COUNTED_OVER = 320
ROUTES = ("GET /api/health", "GET /api/budget", "GET /api/goal", "POST /api/transaction")
WRITE_BODY = json.dumps({"amount": "1.25", "type": "expense", "category": "food"}).encode()


def _budget(category: str, day: date) -> BudgetPosition:
    money = Decimal("100.00")
    return BudgetPosition(
        id=uuid4(),
        category=category,
        period=Period.MONTHLY,
        limit=money,
        alert_thresholds=(80, 100),
        period_start=day.replace(day=1),
        period_end=day,
        spent=Decimal("12.50"),
        remaining=Decimal("87.50"),
        percent=Decimal("12.50"),
        status=BudgetStatus.OK,
        rollover=Rollover.NONE,
        starts_on=None,
        carried=Decimal("0.00"),
        available=money,
    )


def _goal() -> GoalPosition:
    return GoalPosition(
        id=uuid4(),
        name="Bike",
        target_amount=Decimal("900.00"),
        deadline=None,
        saved=Decimal("125.00"),
        achieved_at=None,
        remaining=Decimal("775.00"),
        percent=Decimal("13.89"),
        monthly_needed=None,
    )


class Caller:
    """Calls the app as an ASGI server would, one request a call; answers 2xx or raises."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def call(self, route: str, token: str) -> None:
        method, path = route.split(" ")
        body = WRITE_BODY if method == "POST" else b""
        headers = [(b"host", b"gateway"), (b"authorization", f"Bearer {token}".encode())]
        if body:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        sent = False
        status = 0
        answer = b""

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # a client that stays connected
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, answer
            if message["type"] == "http.response.start":
                status = message["status"]
            else:
                answer += message.get("body", b"")

        await self._app(scope, receive, send)
        if not 200 <= status < 300:
            raise RuntimeError(f"{route}: {status} {answer[:300]!r}")


async def _backends_cpu(admin: asyncpg.Connection, name: str) -> float:
    pids = await admin.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
    total = 0.0
    for row in pids:
        try:
            times = psutil.Process(row["pid"]).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def _run(caller: Caller, route: str, tokens: list[str], requests: int) -> None:
    async def task(first: int) -> None:
        for index in range(first, requests, TASKS):
            await caller.call(route, tokens[index % len(tokens)])

    await asyncio.gather(*(task(first) for first in range(TASKS)))


async def _app(
    url: str, revoked: RevokedSessions, people: list[UUID]
) -> tuple[Caller, LedgerReader, list[str]]:
    """The replica's app with the state the gateway's constructor sets, and a token per user."""
    private = generate_signing_key()
    policy = TokenPolicy()
    settings = Settings(database_url=url, jwt_private_key=private)
    api = build_api(docs=True)
    api.state.authenticator = Authenticator(
        AccessTokenVerifier(public_key_pem(private), policy), revoked
    )
    api.state.revoked = revoked
    api.state.ledger = ledger = LedgerReader(settings)
    api.state.settings = settings
    issuer = AccessTokenIssuer(private, policy)
    tokens = [issuer.issue(person, uuid4(), datetime.now(UTC))[0] for person in people]
    return Caller(api), ledger, tokens


async def _remember_positions(ledger: LedgerReader, people: list[UUID]) -> None:
    """Each user's positions in the replica's copy, as if the shard had just answered them for
    the user's last sequence (which the writes move on)."""
    for person in people:
        sequence, day = await ledger.last_sequence(person)
        budgets = [_budget(category, day) for category in ("food", "rent", "fun")]
        ledger._cache.put(person, sequence, ("budgets", day), budgets)
        ledger._cache.put(person, sequence, ("goals", day), [_goal()])


async def _count_calls(
    caller: Caller, ledger: LedgerReader, people: list[UUID], tokens: list[str]
) -> None:
    """Python function calls (and calls into C) per request: unlike CPU time, the same on a busy
    machine as on a quiet one, so a change to the app's own work shows even under others' load."""
    await _remember_positions(ledger, people)
    calls = 0

    def count(_frame: object, event: str, _arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    for route in ROUTES:
        calls = 0
        sys.setprofile(count)
        try:
            await _run(caller, route, tokens, CALLS_COUNTED_OVER)
        finally:
            sys.setprofile(None)
        print(f"calls {route:22} {calls / CALLS_COUNTED_OVER:5.0f} per request", flush=True)


async def measure(server_url: str, requests: int, rounds: int) -> None:
    name = f"ledgerflow_bench_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        await database.migrate(url)
        await database.connect(url)
        try:
            people = [
                (
                    await users.create(
                        name="Bench",
                        email=f"{uuid4().hex}@example.com",
                        phone=None,
                        password_hash="unused",
                        now=datetime.now(UTC),
                    )
                ).id
                for _ in range(TASKS * 2)
            ]
            revoked = RevokedSessions(url, TokenPolicy().access_ttl)
            await revoked.start()
            caller, ledger, tokens = await _app(url, revoked, people)
            await _remember_positions(ledger, people)
            for route in ROUTES:
                await _run(caller, route, tokens, 200)  # warm up
            least: dict[str, float] = {}
            for number in range(rounds):
                await _remember_positions(ledger, people)
                for route in ROUTES:
                    server_before = await _backends_cpu(admin, name)
                    cpu, began = time.process_time(), time.perf_counter()
                    await _run(caller, route, tokens, requests)
                    seconds = time.perf_counter() - began
                    cpu = time.process_time() - cpu
                    server = await _backends_cpu(admin, name) - server_before
                    least[route] = min(least.get(route, cpu), cpu)
                    print(
                        f"round {number + 1} {route:22} {requests / seconds:7,.0f} req/s, CPU per"
                        f" request {1e6 * cpu / requests:5.0f} µs in the app,"
                        f" {1e6 * server / requests:4.0f} µs in PostgreSQL",
                        flush=True,
                    )
            # The least of the rounds: the others' jobs on a shared machine only ever add to it.
            for route, cpu in least.items():
                print(f"least {route:22} {1e6 * cpu / requests:5.0f} µs in the app", flush=True)
            await _count_calls(caller, ledger, people, tokens)
            await revoked.stop()
        finally:
            await database.disconnect()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.gateway", description=__doc__)
    parser.add_argument("--requests", type=int, default=4_000, help="per route and round")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    url = Settings().database_url
    assert url, "set DATABASE_URL to a PostgreSQL server on this machine"
    asyncio.run(measure(url, options.requests, options.rounds))


if __name__ == "__main__":
    main()
