"""Every object is its owner's: another user's id is a 404, and a body naming another user a 403."""

import httpx
import pytest

from tests.e2e.identity import Account, create_budget, signup_and_login


@pytest.fixture
async def owner_and_intruder(api: httpx.AsyncClient) -> tuple[Account, Account, dict[str, str]]:
    owner, intruder = await signup_and_login(api), await signup_and_login(api)
    goal = await api.post(
        "/api/goal", headers=owner.auth, json={"name": "Car", "target_amount": "900"}
    )
    budget = await create_budget(api, owner, "rent", "1000")
    spent = await api.post(
        "/api/transaction",
        headers=owner.auth,
        json={"amount": "12.34", "type": "expense", "category": "rent"},
    )
    ids = {"goal": goal.json()["id"], "budget": budget, "tx": spent.json()["id"]}
    return owner, intruder, ids


ROUTES = [
    ("GET", "/api/transaction/{tx}", None),
    ("PATCH", "/api/transaction/{tx}", {"amount": "1.00"}),
    ("DELETE", "/api/transaction/{tx}", None),
    ("GET", "/api/budget/{budget}", None),
    ("PATCH", "/api/budget/{budget}", {"limit": "1.00"}),
    ("DELETE", "/api/budget/{budget}", None),
    ("GET", "/api/goal/{goal}", None),
    ("PATCH", "/api/goal/{goal}", {"name": "Mine now"}),
    ("DELETE", "/api/goal/{goal}", None),
    ("POST", "/api/goal/{goal}/contribution", {"amount": "5.00"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_another_users_object_is_not_found_and_stays_untouched(
    api: httpx.AsyncClient,
    owner_and_intruder: tuple[Account, Account, dict[str, str]],
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    owner, intruder, ids = owner_and_intruder
    url = path.format(**ids)
    response = await api.request(method, url, headers=intruder.auth, json=body)
    assert response.status_code == 404, response.text
    if not url.endswith("contribution"):
        mine = await api.get(url, headers=owner.auth)
        assert mine.status_code == 200
    assert (await api.get(f"/api/transaction/{ids['tx']}", headers=owner.auth)).json()[
        "amount"
    ] == "12.34"


async def test_a_transaction_toward_another_users_goal_is_not_found(
    api: httpx.AsyncClient, owner_and_intruder: tuple[Account, Account, dict[str, str]]
) -> None:
    _, intruder, ids = owner_and_intruder
    response = await api.post(
        "/api/transaction",
        headers=intruder.auth,
        json={"amount": "5", "type": "income", "category": "x", "goal_id": ids["goal"]},
    )
    assert response.status_code == 404


async def test_lists_show_only_the_callers_objects(
    api: httpx.AsyncClient, owner_and_intruder: tuple[Account, Account, dict[str, str]]
) -> None:
    _, intruder, _ = owner_and_intruder
    for path in ("/api/budget", "/api/goal"):
        assert (await api.get(path, headers=intruder.auth)).json() == []
    assert (await api.get("/api/transaction", headers=intruder.auth)).json()["items"] == []


async def test_a_body_naming_another_user_is_forbidden(
    api: httpx.AsyncClient, owner_and_intruder: tuple[Account, Account, dict[str, str]]
) -> None:
    owner, intruder, _ = owner_and_intruder
    response = await api.post(
        "/api/transaction",
        headers=intruder.auth,
        json={"amount": 5, "type": "expense", "category": "x", "userId": str(owner.id)},
    )
    assert response.status_code == 403
    assert (await api.get("/api/transaction", headers=owner.auth)).json()["items"][0][
        "category"
    ] == "rent"


@pytest.mark.parametrize("path", ["/api/transaction", "/api/budget", "/api/goal"])
async def test_every_money_route_needs_a_token(api: httpx.AsyncClient, path: str) -> None:
    assert (await api.get(path)).status_code == 401
    assert (await api.post(path, json={})).status_code == 401
