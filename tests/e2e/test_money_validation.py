"""Bad money input gets a 422 that names the field, never a 500, and changes nothing."""

import httpx
import pytest

from tests.e2e.identity import Account, signup_and_login


@pytest.fixture
async def account(api: httpx.AsyncClient) -> Account:
    return await signup_and_login(api)


VALID = {"amount": "10.00", "type": "expense", "category": "food"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "10.005"}, "amount"),
        ({"amount": 10.005}, "amount"),
        ({"amount": "1e30"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": True}, "amount"),
        ({"type": "transfer"}, "type"),
        ({"category": "x" * 65}, "category"),
        ({"category": ""}, "category"),
        ({"occurred_at": "2026-11-01T10:00:00"}, "occurred_at"),
        ({"goal_id": "not-a-uuid"}, "goal_id"),
    ],
)
async def test_bad_transactions_are_422_naming_the_field(
    api: httpx.AsyncClient, account: Account, change: dict[str, object], field: str
) -> None:
    response = await api.post("/api/transaction", headers=account.auth, json=VALID | change)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert (await api.get("/api/transaction", headers=account.auth)).json()["items"] == []


async def test_amounts_as_numbers_or_strings_come_back_with_two_places(
    api: httpx.AsyncClient, account: Account
) -> None:
    amounts = []
    for amount in [12, 12.5, "0.10", "1234567.89"]:
        response = await api.post(
            "/api/transaction", headers=account.auth, json=VALID | {"amount": amount}
        )
        assert response.status_code == 201, response.text
        amounts.append(response.json()["amount"])
    assert amounts == ["12.00", "12.50", "0.10", "1234567.89"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "food", "limit": "100", "period": "daily"}, "period"),
        ({"category": "food", "limit": "-1", "period": "monthly"}, "limit"),
        (
            {"category": "food", "limit": "100", "period": "monthly", "alert_thresholds": [0]},
            "alert_thresholds",
        ),
        (
            {"category": "food", "limit": "100", "period": "monthly", "alert_thresholds": [80, 80]},
            "alert_thresholds",
        ),
        ({"limit": "100", "period": "monthly"}, "category"),
    ],
)
async def test_bad_budgets_are_422_naming_the_field(
    api: httpx.AsyncClient, account: Account, body: dict[str, object], field: str
) -> None:
    response = await api.post("/api/budget", headers=account.auth, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]


async def test_one_budget_per_category_and_period(api: httpx.AsyncClient, account: Account) -> None:
    body = {"category": "Food", "limit": "100", "period": "monthly"}
    first = await api.post("/api/budget", headers=account.auth, json=body)
    assert first.status_code == 201
    again = await api.post("/api/budget", headers=account.auth, json=body | {"category": "food "})
    assert again.status_code == 409
    assert again.headers["Location"] == f"/api/budget/{first.json()['id']}"
    weekly = await api.post("/api/budget", headers=account.auth, json=body | {"period": "weekly"})
    assert weekly.status_code == 201


async def test_bad_goals_are_422(api: httpx.AsyncClient, account: Account) -> None:
    for body, field in [
        ({"name": "", "target_amount": "10"}, "name"),
        ({"name": "Car", "target_amount": "0"}, "target_amount"),
        ({"name": "Car", "target_amount": "10", "deadline": "soon"}, "deadline"),
    ]:
        response = await api.post("/api/goal", headers=account.auth, json=body)
        assert response.status_code == 422 and field in response.json()["detail"], response.text


async def test_unknown_ids_and_bad_cursors_are_4xx(
    api: httpx.AsyncClient, account: Account
) -> None:
    assert (await api.get("/api/transaction/not-a-uuid", headers=account.auth)).status_code == 422
    listing = await api.get("/api/transaction", headers=account.auth, params={"cursor": "garbage"})
    assert listing.status_code == 422
