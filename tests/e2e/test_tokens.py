"""Attacks on the access token, refresh rotation with reuse detection, and logout."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from actors.domain.tokens import (
    AccessTokenIssuer,
    TokenPolicy,
    generate_signing_key,
    public_key_pem,
)
from serve.system import RunningSystem
from tests.e2e.identity import Account, signup_and_login


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(claims: dict[str, object], alg: str) -> str:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}"


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


async def _me(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.get("/api/user/me", headers={"Authorization": f"Bearer {token}"})


def _refused(response: httpx.Response) -> bool:
    return (
        response.status_code == 401
        and response.headers.get("WWW-Authenticate") == 'Bearer error="invalid_token"'
    )


@pytest.fixture
async def account(api: httpx.AsyncClient) -> Account:
    return await signup_and_login(api)


async def test_the_genuine_token_is_accepted(api: httpx.AsyncClient, account: Account) -> None:
    assert (await _me(api, account.access)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer a.b"},
    ],
)
async def test_missing_or_malformed_authorization_is_401(
    api: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    assert _refused(await api.get("/api/user/me", headers=headers))


async def test_algorithm_none_is_refused(api: httpx.AsyncClient, account: Account) -> None:
    forged = _segments(_claims(account.access), "none") + "."
    assert _refused(await _me(api, forged))


async def test_hmac_signed_with_our_public_key_is_refused(
    api: httpx.AsyncClient, account: Account, system: RunningSystem
) -> None:
    assert system.settings.jwt_private_key
    public = public_key_pem(system.settings.jwt_private_key).encode()
    unsigned = _segments(_claims(account.access), "HS256")
    signature = hmac.new(public, unsigned.encode(), hashlib.sha256).digest()
    assert _refused(await _me(api, f"{unsigned}.{_b64(signature)}"))


async def test_a_changed_payload_is_refused(api: httpx.AsyncClient, account: Account) -> None:
    other = await signup_and_login(api)
    header, _, signature = account.access.split(".")
    claims = _claims(account.access) | {"sub": str(other.id)}
    assert _refused(await _me(api, f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"))


async def test_a_token_signed_by_another_key_is_refused(
    api: httpx.AsyncClient, account: Account
) -> None:
    stranger = AccessTokenIssuer(generate_signing_key(), TokenPolicy())
    claims = _claims(account.access)
    token, _ = stranger.issue(account.id, claims["sid"], datetime.now(UTC))  # type: ignore[arg-type]
    assert _refused(await _me(api, token))


async def test_an_expired_token_says_so(
    api: httpx.AsyncClient, account: Account, system: RunningSystem
) -> None:
    assert system.settings.jwt_private_key
    issuer = AccessTokenIssuer(system.settings.jwt_private_key, system.settings.token_policy)
    sid = _claims(account.access)["sid"]
    expired, _ = issuer.issue(account.id, sid, datetime.now(UTC) - timedelta(minutes=16))  # type: ignore[arg-type]
    response = await _me(api, expired)
    assert _refused(response)
    assert response.headers.get("X-Token-Expired") == "true"


@pytest.mark.parametrize("claim", ["aud", "iss"])
async def test_wrong_audience_or_issuer_is_refused(
    api: httpx.AsyncClient, account: Account, system: RunningSystem, claim: str
) -> None:
    assert system.settings.jwt_private_key
    key = serialization.load_pem_private_key(system.settings.jwt_private_key.encode(), None)
    claims = _claims(account.access) | {claim: "someone-else"}
    response = await _me(api, jwt.encode(claims, key, algorithm="EdDSA"))  # type: ignore[arg-type]
    assert _refused(response)
    assert "X-Token-Expired" not in response.headers


async def _refresh(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.post("/api/token/refresh", json={"refresh_token": token})


async def test_refresh_rotates_and_the_used_token_dies(
    api: httpx.AsyncClient, account: Account
) -> None:
    first = await _refresh(api, account.refresh)
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != account.refresh
    assert (await _me(api, pair["access_token"])).status_code == 200
    second = await _refresh(api, pair["refresh_token"])
    assert second.status_code == 200


async def test_reusing_a_refresh_token_revokes_the_whole_session(
    api: httpx.AsyncClient, account: Account
) -> None:
    rotated = (await _refresh(api, account.refresh)).json()
    stolen_replay = await _refresh(api, account.refresh)
    assert stolen_replay.status_code == 401
    assert "already used" in stolen_replay.json()["detail"]
    # Every token descended from that login is dead: the successor and the new access token.
    assert (await _refresh(api, rotated["refresh_token"])).status_code == 401
    assert _refused(await _me(api, rotated["access_token"]))
    assert _refused(await _me(api, account.access))


async def test_reuse_does_not_touch_other_sessions(
    api: httpx.AsyncClient, account: Account
) -> None:
    other_login = await api.post(
        "/api/user/login", json={"email": account.email, "password": account.password}
    )
    other = other_login.json()
    await _refresh(api, account.refresh)
    await _refresh(api, account.refresh)  # reuse: this session dies
    assert (await _me(api, other["access_token"])).status_code == 200
    assert (await _refresh(api, other["refresh_token"])).status_code == 200


async def test_unknown_refresh_token_is_401(api: httpx.AsyncClient) -> None:
    assert (await _refresh(api, "A" * 43)).status_code == 401
    assert (await _refresh(api, "")).status_code == 422


async def test_logout_kills_both_tokens(api: httpx.AsyncClient, account: Account) -> None:
    response = await api.post(
        "/api/user/logout", headers=account.auth, json={"refresh_token": account.refresh}
    )
    assert response.status_code == 204
    assert _refused(await _me(api, account.access))
    assert (await _refresh(api, account.refresh)).status_code == 401


async def test_logout_needs_a_valid_access_token(api: httpx.AsyncClient, account: Account) -> None:
    response = await api.post("/api/user/logout", json={"refresh_token": account.refresh})
    assert response.status_code == 401
    assert (await _refresh(api, account.refresh)).status_code == 200


async def test_logout_cannot_revoke_another_users_session(
    api: httpx.AsyncClient, account: Account
) -> None:
    intruder = await signup_and_login(api)
    await api.post(
        "/api/user/logout", headers=intruder.auth, json={"refresh_token": account.refresh}
    )
    assert (await _me(api, account.access)).status_code == 200
    assert (await _refresh(api, account.refresh)).status_code == 200
