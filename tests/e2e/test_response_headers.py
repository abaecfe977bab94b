"""Headers a browser or a cache acts on: no content sniffing anywhere, no stored API answers."""

import httpx

from tests.e2e.identity import signup_and_login


async def test_token_answers_are_not_stored_and_nothing_is_sniffed(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    login = await api.post(
        "/api/user/login", json={"email": account.email, "password": account.password}
    )
    refresh = await api.post(
        "/api/token/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    refused = await api.post("/api/user/login", json={"email": account.email, "password": "x"})
    profile = await api.get("/api/user/me", headers=account.auth)
    invalid = await api.post("/api/transaction", headers=account.auth, json={"amount": "ten"})
    missing = await api.get("/api/nothing-here")
    assert [r.status_code for r in (login, refresh, refused, profile, invalid, missing)] == [
        200,
        200,
        401,
        200,
        422,
        404,
    ]
    for response in (login, refresh, refused, profile, invalid, missing):
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.request.url
        assert response.headers["Cache-Control"] == "no-store", response.request.url

    docs = await api.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["X-Content-Type-Options"] == "nosniff"
