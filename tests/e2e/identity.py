"""Signing up, logging in and a user's first budgets and expenses over HTTP, shared by the
end-to-end tests and the benchmark."""

from dataclasses import dataclass
from uuid import UUID, uuid4

import httpx


@dataclass
class Account:
    id: UUID
    email: str
    password: str
    access: str
    refresh: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid4().hex[:10]}@example.com"


async def signup_and_login(api: httpx.AsyncClient, **profile: str) -> Account:
    email = profile.pop("email", None) or unique_email()
    password = "correct horse battery"
    created = await api.post(
        "/api/user/signup",
        json={"name": "Test User", "email": email, "password": password} | profile,
    )
    assert created.status_code == 201, created.text
    tokens = await api.post("/api/user/login", json={"email": email, "password": password})
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Account(
        UUID(created.json()["id"]), email, password, body["access_token"], body["refresh_token"]
    )


async def create_budget(
    api: httpx.AsyncClient,
    account: Account,
    category: str = "food",
    limit: str = "100",
    period: str = "monthly",
) -> str:
    """A budget of the account's; returns its id."""
    response = await api.post(
        "/api/budget",
        headers=account.auth,
        json={"category": category, "limit": limit, "period": period},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def spend(
    api: httpx.AsyncClient, account: Account, amount: str, category: str = "food", **extra: str
) -> str:
    """An expense of the account's (`occurred_at=...` and other fields in `extra`); its id."""
    body = {"amount": amount, "type": "expense", "category": category} | extra
    response = await api.post("/api/transaction", headers=account.auth, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
