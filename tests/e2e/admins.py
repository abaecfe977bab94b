"""Admin accounts for the admin tests: signed up over HTTP, made admin in the database through
the adapter (as `ledgerflow admin grant` does), then logged in again for a token that says so."""

import httpx

from actors.domain.roles import Role
from adapters import users
from adapters.audit import Actor
from tests.e2e.identity import Account, signup_and_login

TEST_SESSION = Actor("tests")


async def admin_account(api: httpx.AsyncClient) -> Account:
    account = await signup_and_login(api)
    await users.set_role(account.email, Role.ADMIN, TEST_SESSION)
    return await login(api, account)


async def login(api: httpx.AsyncClient, account: Account) -> Account:
    """A new session of the account: its own access and refresh tokens."""
    response = await api.post(
        "/api/user/login", json={"email": account.email, "password": account.password}
    )
    assert response.status_code == 200, response.text
    pair = response.json()
    return Account(
        account.id, account.email, account.password, pair["access_token"], pair["refresh_token"]
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
