"""Logging in, using the access token, and the profile."""

import httpx

from tests.e2e.identity import signup_and_login, unique_email


async def test_login_returns_a_bearer_pair(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    response = await api.post(
        "/api/user/login", json={"email": account.email.upper(), "password": account.password}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    assert body["access_token"] and body["refresh_token"]


async def test_wrong_password_and_unknown_email_get_the_same_401(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    wrong = await api.post(
        "/api/user/login", json={"email": account.email, "password": "nope-nope"}
    )
    unknown = await api.post(
        "/api/user/login", json={"email": unique_email(), "password": account.password}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_repeated_failures_are_throttled_with_retry_after(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    bad = {"email": account.email, "password": "wrong-password"}
    statuses = [(await api.post("/api/user/login", json=bad)).status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = await api.post("/api/user/login", json=bad)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 30
    # While locked, even the right password waits: that is what stops guessing.
    right = await api.post(
        "/api/user/login", json={"email": account.email, "password": account.password}
    )
    assert right.status_code == 429


async def test_throttling_one_account_leaves_others_alone(api: httpx.AsyncClient) -> None:
    victim, other = await signup_and_login(api), await signup_and_login(api)
    for _ in range(6):
        await api.post("/api/user/login", json={"email": victim.email, "password": "wrong-pass"})
    response = await api.post(
        "/api/user/login", json={"email": other.email, "password": other.password}
    )
    assert response.status_code == 200


async def test_me_returns_the_profile_of_the_token_user(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api, phone="+442071838750")
    response = await api.get("/api/user/me", headers=account.auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["phone"], body["timezone"]) == (
        str(account.id),
        "+442071838750",
        "UTC",
    )
    assert body["notifications"]["budget_exceeded"] == ["email", "sms"]


async def test_patch_me_changes_name_phone_timezone_and_notifications(
    api: httpx.AsyncClient,
) -> None:
    account = await signup_and_login(api)
    response = await api.patch(
        "/api/user/me",
        headers=account.auth,
        json={
            "name": "New Name",
            "phone": "+15550001111",
            "timezone": "Europe/Berlin",
            "notifications": {"transaction_created": ["email"], "budget_warning": []},
        },
    )
    assert response.status_code == 200, response.text
    again = (await api.get("/api/user/me", headers=account.auth)).json()
    assert (again["name"], again["phone"], again["timezone"]) == (
        "New Name",
        "+15550001111",
        "Europe/Berlin",
    )
    assert again["notifications"]["transaction_created"] == ["email"]
    assert again["notifications"]["budget_warning"] == []
    assert again["notifications"]["budget_exceeded"] == ["email", "sms"]  # untouched


async def test_patch_me_can_clear_the_phone(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api, phone="+15550002222")
    response = await api.patch("/api/user/me", headers=account.auth, json={"phone": None})
    assert response.status_code == 200 and response.json()["phone"] is None


async def test_patch_me_rejects_bad_values_naming_the_field(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    for body, field in [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"notifications": {"budget_exceeded": ["pigeon"]}}, "notifications"),
        ({"notifications": {"no_such_event": ["email"]}}, "notifications"),
        ({"password_hash": "x"}, "password_hash"),
    ]:
        response = await api.patch("/api/user/me", headers=account.auth, json=body)
        assert response.status_code == 422, body
        assert field in response.json()["detail"]
