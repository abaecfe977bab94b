"""The invariant: a random workload of creates, edits and deletes for many users, with a ledger
shard killed in the middle. Afterwards every budget's `spent` equals the SQL sum of its expenses,
every goal's `saved` equals its SQL sum, and every alert is on its topic exactly once: the alerts
on Kafka are exactly those the pure ledger raises for the same events in sequence order."""

import asyncio
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import httpx
import ray
from tortoise import connections

from actors import naming
from actors.domain import payloads
from actors.domain.events import Event, Topic
from actors.domain.ledger import LEDGER_TOPICS, Ledger
from actors.domain.periods import Period, period_end, period_start
from adapters.config import Settings
from serve.system import RunningSystem
from tests.e2e.identity import Account, signup_and_login
from tests.kafka_reader import read_until
from tests.unit.ledger_events import told

USERS = 8
OPERATIONS_PER_USER = 24
ZONES = ["UTC", "Pacific/Auckland", "America/Los_Angeles", "Europe/Berlin"]
BUDGETS = [
    ("groceries", "monthly", "300"),
    ("groceries", "weekly", "90"),
    ("fun", "monthly", "150"),
]
ALERT_TOPICS = (
    Topic.BUDGET_WARNING,
    Topic.BUDGET_EXCEEDED,
    Topic.BUDGET_FORECAST_EXCEEDED,
    Topic.GOAL_ACHIEVED,
)


class Workload:
    def __init__(self, api: httpx.AsyncClient, seed: int) -> None:
        self.api = api
        self.random = random.Random(seed)
        self.done = 0
        self.halfway = asyncio.Event()

    async def user(self, index: int) -> tuple[Account, list[str], str]:
        account = await signup_and_login(self.api)
        await self._ok(
            self.api.patch(
                "/api/user/me", headers=account.auth, json={"timezone": ZONES[index % len(ZONES)]}
            )
        )
        budget_ids = []
        for category, period, limit in BUDGETS:
            body = {"category": category, "period": period, "limit": limit}
            budget_ids.append((await self._ok(self._post(account, "/api/budget", body)))["id"])
        goal = await self._ok(
            self._post(account, "/api/goal", {"name": "Trip", "target_amount": "120"})
        )
        return account, budget_ids, goal["id"]

    async def run(self, account: Account, goal_id: str) -> None:
        mine: list[str] = []
        for _ in range(OPERATIONS_PER_USER):
            roll = self.random.random()
            if roll < 0.5 or not mine:
                mine.append(
                    (await self._ok(self._post(account, "/api/transaction", self._new())))["id"]
                )
            elif roll < 0.65:
                body = {
                    "amount": self._amount(),
                    "type": "income",
                    "category": "savings",
                    "goal_id": goal_id,
                }
                mine.append((await self._ok(self._post(account, "/api/transaction", body)))["id"])
            elif roll < 0.85:
                target = self.random.choice(mine)
                changes = self.random.choice(
                    [
                        {"amount": self._amount()},
                        {"category": self.random.choice(["groceries", "fun", "rent"])},
                        {"occurred_at": self._when()},
                        {"type": "income"},
                        {"goal_id": goal_id},
                    ]
                )
                await self._ok(
                    self.api.patch(f"/api/transaction/{target}", headers=account.auth, json=changes)
                )
            else:
                target = mine.pop(self.random.randrange(len(mine)))
                response = await self.api.delete(f"/api/transaction/{target}", headers=account.auth)
                assert response.status_code == 204, response.text
            self.done += 1
            if self.done >= USERS * OPERATIONS_PER_USER // 2:
                self.halfway.set()

    def _new(self) -> dict[str, str]:
        return {
            "amount": self._amount(),
            "type": "expense",
            "category": self.random.choice(["groceries", "groceries", "fun", "rent"]),
            "occurred_at": self._when(),
        }

    def _amount(self) -> str:
        return str(Decimal(self.random.randint(100, 6000)) / 100)

    def _when(self) -> str:
        back = timedelta(days=self.random.randint(0, 45), hours=self.random.randint(0, 23))
        return (datetime.now(UTC) - back).isoformat()

    def _post(
        self, account: Account, path: str, body: dict[str, str]
    ) -> "asyncio.Future[httpx.Response]":
        return self.api.post(path, headers=account.auth, json=body)  # type: ignore[return-value]

    @staticmethod
    async def _ok(request: "asyncio.Future[httpx.Response]") -> dict:
        response = await request
        assert response.status_code in (200, 201), response.text
        return response.json()


async def _kill_a_shard_halfway(workload: Workload) -> int:
    """Kill shard 0 mid-stream; return the process id it had, to check it was replaced."""
    await workload.halfway.wait()
    shard = ray.get_actor(naming.ledger_shard(0), namespace=naming.NAMESPACE)
    before = (await shard.ready.remote())["pid"]
    ray.kill(shard, no_restart=False)
    return int(before)


async def _sql_spent(user: UUID, category: str, start: date, end: date) -> Decimal:
    rows = await connections.get("default").execute_query_dict(
        "SELECT coalesce(sum(amount), 0) AS total FROM transactions WHERE user_id = $1"
        " AND type = 'expense' AND category = $2 AND local_date BETWEEN $3 AND $4",
        [user, category, start, end],
    )
    return Decimal(rows[0]["total"])


async def _sql_saved(goal: str) -> Decimal:
    rows = await connections.get("default").execute_query_dict(
        "SELECT coalesce(sum(CASE WHEN type = 'income' THEN amount ELSE -amount END), 0) AS saved"
        " FROM transactions WHERE goal_id = $1",
        [UUID(goal)],
    )
    return Decimal(rows[0]["saved"])


def _alert_identity(event: Event) -> tuple[str, ...]:
    p = told(event)  # the same JSON whether read off Kafka or raised by a ledger here
    if event.type is Topic.GOAL_ACHIEVED:
        return (event.type.value, p["goal_id"], p["saved"])
    # An early warning has no threshold: its forecast stands in.
    mark = p.get("threshold", p.get("projected_spent"))
    return (event.type.value, p["budget_id"], p["period_start"], str(mark), p["spent"])


async def _events_of(
    bootstrap: str, topic: Topic, users: set[UUID], at_least: int = 0
) -> list[Event]:
    def mine(events: list[Event]) -> list[Event]:
        return [e for e in events if e.user_id in users]

    return mine(await read_until(bootstrap, topic, lambda es: len(mine(es)) >= at_least))


async def test_random_workload_with_a_shard_killed_keeps_every_invariant(
    api: httpx.AsyncClient, system: RunningSystem, db: Settings
) -> None:
    workload = Workload(api, seed=20261124)
    setups = await asyncio.gather(*(workload.user(i) for i in range(USERS)))
    killer = asyncio.ensure_future(_kill_a_shard_halfway(workload))
    await asyncio.gather(*(workload.run(account, goal) for account, _, goal in setups))
    killed_pid = await killer
    shard = ray.get_actor(naming.ledger_shard(0), namespace=naming.NAMESPACE)
    assert (await shard.ready.remote())["pid"] != killed_pid, "Ray restarted the killed shard"

    today = datetime.now(UTC).date()
    for account, budget_ids, goal_id in setups:
        zone_today = (await api.get("/api/user/me", headers=account.auth)).json()["timezone"]
        assert zone_today in ZONES
        for budget_id in budget_ids:
            for day in (today, today - timedelta(days=35)):
                response = await api.get(
                    f"/api/budget/{budget_id}",
                    headers=account.auth,
                    params={"period": day.isoformat()},
                )
                assert response.status_code == 200, response.text
                budget = response.json()
                period = Period(budget["period"])
                start, end = period_start(period, day), period_end(period, day)
                assert budget["period_start"] == start.isoformat()
                expected = await _sql_spent(account.id, budget["category"], start, end)
                assert Decimal(budget["spent"]) == expected, (account.id, budget)
        goal = (await api.get(f"/api/goal/{goal_id}", headers=account.auth)).json()
        assert Decimal(goal["saved"]) == await _sql_saved(goal_id)

    # Every write was acknowledged and every read above waited for it, so all inputs are on Kafka.
    bootstrap = system.settings.kafka_bootstrap
    assert bootstrap
    users = {account.id for account, _, _ in setups}
    inputs = [
        payloads.read(topic.value, e.to_json())  # typed, as a shard reads them
        for topic in LEDGER_TOPICS
        for e in await _events_of(bootstrap, topic, users)
    ]
    expected_alerts: Counter[tuple[str, ...]] = Counter()
    for user in users:
        ledger = Ledger(user)
        for event in sorted(
            {e.id: e for e in inputs if e.user_id == user}.values(),
            key=lambda e: e.payload.sequence,
        ):
            expected_alerts.update(_alert_identity(a) for a in ledger.accept(event))
    assert expected_alerts, "the workload should have crossed some thresholds"

    actual: list[Event] = []
    for topic in ALERT_TOPICS:
        expected = sum(n for key, n in expected_alerts.items() if key[0] == topic.value)
        actual += await _events_of(bootstrap, topic, users, at_least=expected)
    assert len({e.id for e in actual}) == len(actual), "an alert event was published twice"
    assert Counter(_alert_identity(e) for e in actual) == expected_alerts
