"""Transactions, budgets and goals over HTTP, with the alerts read from Kafka."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx

from actors.domain.events import Event, Topic
from serve.system import RunningSystem
from tests.e2e.identity import create_budget, signup_and_login, spend
from tests.kafka_reader import read_until


async def _alerts(system: RunningSystem, topic: Topic, user_id: UUID, count: int) -> list[Event]:
    assert system.settings.kafka_bootstrap

    def mine(events: list[Event]) -> list[Event]:
        return [e for e in events if e.user_id == user_id]

    return mine(
        await read_until(system.settings.kafka_bootstrap, topic, lambda es: len(mine(es)) >= count)
    )


async def test_the_original_systems_body_works_as_is(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    response = await api.post(
        "/api/transaction",
        headers=account.auth,
        json={"amount": 500, "type": "expense", "category": "groceries", "userId": str(account.id)},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["amount"], body["type"], body["category"]) == ("500.00", "expense", "groceries")
    listed = (await api.get("/api/transaction", headers=account.auth)).json()
    assert [t["id"] for t in listed["items"]] == [body["id"]]


async def test_budget_crossing_80_then_100_alerts_once_each(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    account = await signup_and_login(api)
    await create_budget(api, account, "groceries", "500.00")
    for amount in ["300.00", "110.00", "50.00", "60.00", "25.50"]:  # 60%, 82%, 92%, 104%, 109%
        await spend(api, account, amount, "groceries")

    budgets = (await api.get("/api/budget", headers=account.auth)).json()
    [budget] = budgets
    assert (budget["spent"], budget["remaining"], budget["status"]) == (
        "545.50",
        "-45.50",
        "exceeded",
    )
    assert budget["percent"] == "109.10"
    [warning] = await _alerts(system, Topic.BUDGET_WARNING, account.id, 1)
    [exceeded] = await _alerts(system, Topic.BUDGET_EXCEEDED, account.id, 1)
    assert (warning.payload["threshold"], warning.payload["spent"]) == (80, "410.00")
    assert exceeded.payload["spent"] == "520.00" and exceeded.payload["overage"] == "20.00"
    assert exceeded.payload["limit"] == "500.00" and exceeded.payload["category"] == "groceries"


async def test_a_goal_reaching_its_target_is_achieved_once(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    account = await signup_and_login(api)
    deadline = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
    goal = await api.post(
        "/api/goal",
        headers=account.auth,
        json={"name": "Bike", "target_amount": "1000", "deadline": deadline},
    )
    assert goal.status_code == 201, goal.text
    goal_id = goal.json()["id"]
    assert goal.json()["saved"] == "0.00" and goal.json()["monthly_needed"] is not None
    for amount in ["600", "500", "50"]:
        response = await api.post(
            f"/api/goal/{goal_id}/contribution", headers=account.auth, json={"amount": amount}
        )
        assert response.status_code == 201, response.text
    progress = (await api.get(f"/api/goal/{goal_id}", headers=account.auth)).json()
    assert (progress["saved"], progress["remaining"], progress["percent"]) == (
        "1150.00",
        "0.00",
        "115.00",
    )
    assert progress["achieved_at"] is not None
    [achieved] = await _alerts(system, Topic.GOAL_ACHIEVED, account.id, 1)
    assert achieved.payload["goal_id"] == goal_id and achieved.payload["saved"] == "1100.00"


async def test_changing_and_deleting_budgets_and_goals(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    account = await signup_and_login(api)
    budget = {"id": await create_budget(api, account, "groceries", "500", "monthly")}
    await spend(api, account, "300.00", "groceries")
    lowered = await api.patch(
        f"/api/budget/{budget['id']}", headers=account.auth, json={"limit": "250"}
    )
    assert lowered.status_code == 200, lowered.text
    assert (lowered.json()["limit"], lowered.json()["status"]) == ("250.00", "exceeded")
    [exceeded] = await _alerts(system, Topic.BUDGET_EXCEEDED, account.id, 1)
    assert (exceeded.payload["limit"], exceeded.payload["overage"]) == ("250.00", "50.00")

    weekly = await api.patch(
        f"/api/budget/{budget['id']}", headers=account.auth, json={"period": "weekly"}
    )
    assert weekly.json()["period"] == "weekly" and weekly.json()["spent"] == "300.00"

    assert (
        await api.delete(f"/api/budget/{budget['id']}", headers=account.auth)
    ).status_code == 204
    assert (await api.get(f"/api/budget/{budget['id']}", headers=account.auth)).status_code == 404
    assert (await api.get("/api/budget", headers=account.auth)).json() == []

    goal = (
        await api.post(
            "/api/goal", headers=account.auth, json={"name": "Car", "target_amount": "5000"}
        )
    ).json()
    renamed = await api.patch(
        f"/api/goal/{goal['id']}",
        headers=account.auth,
        json={"name": "Used car", "target_amount": "3000", "deadline": "2030-01-31"},
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["target_amount"]) == ("Used car", "3000.00")
    assert renamed.json()["monthly_needed"] is not None
    assert (await api.delete(f"/api/goal/{goal['id']}", headers=account.auth)).status_code == 204
    assert (await api.get("/api/goal", headers=account.auth)).json() == []
