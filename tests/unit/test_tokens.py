import base64
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest

from actors.domain.errors import InvalidToken, TokenExpired
from actors.domain.roles import Role
from actors.domain.tokens import (
    AccessTokenIssuer,
    AccessTokenVerifier,
    RefreshVerdict,
    TokenPolicy,
    generate_signing_key,
    hash_refresh_token,
    judge_refresh,
    new_refresh_token,
    public_key_pem,
)

POLICY = TokenPolicy()
KEY = generate_signing_key()
ISSUER = AccessTokenIssuer(KEY, POLICY)
VERIFIER = AccessTokenVerifier(public_key_pem(KEY), POLICY)


def _now() -> datetime:
    return datetime.now(UTC)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict[str, str], claims: dict[str, object], signature: bytes = b"") -> str:
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_b64(signature)}"


def _claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_issued_token_verifies_and_names_user_session_and_role() -> None:
    user, session = uuid4(), uuid4()
    token, expires_in = ISSUER.issue(user, session, _now())
    claims = VERIFIER.verify(token)
    assert (claims.user_id, claims.session_id, claims.role) == (user, session, Role.USER)
    assert expires_in == 900
    raw = _claims_of(token)
    assert set(raw) >= {"exp", "iat", "iss", "aud", "sub", "jti", "sid", "role"}


def test_an_admin_token_says_admin() -> None:
    token, _ = ISSUER.issue(uuid4(), uuid4(), _now(), Role.ADMIN)
    assert VERIFIER.verify(token).role is Role.ADMIN
    assert _claims_of(token)["role"] == "admin"


def test_every_token_has_its_own_id() -> None:
    user, session = uuid4(), uuid4()
    first, _ = ISSUER.issue(user, session, _now())
    second, _ = ISSUER.issue(user, session, _now())
    assert _claims_of(first)["jti"] != _claims_of(second)["jti"]


def test_expired_token_is_reported_as_expired() -> None:
    token, _ = ISSUER.issue(uuid4(), uuid4(), _now() - timedelta(minutes=16))
    with pytest.raises(TokenExpired):
        VERIFIER.verify(token)


def test_algorithm_none_is_refused() -> None:
    valid, _ = ISSUER.issue(uuid4(), uuid4(), _now())
    forged = _forge({"alg": "none", "typ": "JWT"}, _claims_of(valid))
    with pytest.raises(InvalidToken):
        VERIFIER.verify(forged)


def test_hmac_signed_with_the_public_key_is_refused() -> None:
    valid, _ = ISSUER.issue(uuid4(), uuid4(), _now())
    import hashlib
    import hmac

    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(_claims_of(valid)).encode())
    mac = hmac.new(public_key_pem(KEY).encode(), f"{header}.{body}".encode(), hashlib.sha256)
    with pytest.raises(InvalidToken):
        VERIFIER.verify(f"{header}.{body}.{_b64(mac.digest())}")


def test_a_token_verified_before_is_refused_once_it_has_expired() -> None:
    issued = _now()
    token, expires_in = ISSUER.issue(uuid4(), uuid4(), issued)
    VERIFIER.verify(token)
    last_second = issued.timestamp() + expires_in - 1
    assert VERIFIER.verify(token, now=last_second).role is Role.USER
    with pytest.raises(TokenExpired):
        VERIFIER.verify(token, now=last_second + 1)


def test_a_changed_copy_of_a_verified_token_is_checked_on_its_own() -> None:
    valid, _ = ISSUER.issue(uuid4(), uuid4(), _now())
    VERIFIER.verify(valid)
    head, _, signature = valid.split(".")
    claims = _claims_of(valid) | {"role": "admin"}
    with pytest.raises(InvalidToken):
        VERIFIER.verify(f"{head}.{_b64(json.dumps(claims).encode())}.{signature}")
    other = "B" if signature[10] == "A" else "A"  # a middle character: all its bits count
    with pytest.raises(InvalidToken):
        VERIFIER.verify(f"{valid[: valid.rindex('.') + 11]}{other}{signature[11:]}")


def test_changed_payload_breaks_the_signature() -> None:
    valid, _ = ISSUER.issue(uuid4(), uuid4(), _now())
    head, _, signature = valid.split(".")
    claims = _claims_of(valid) | {"sub": str(uuid4())}
    with pytest.raises(InvalidToken):
        VERIFIER.verify(f"{head}.{_b64(json.dumps(claims).encode())}.{signature}")


def test_token_signed_by_another_key_is_refused() -> None:
    stranger = AccessTokenIssuer(generate_signing_key(), POLICY)
    token, _ = stranger.issue(uuid4(), uuid4(), _now())
    with pytest.raises(InvalidToken):
        VERIFIER.verify(token)


@pytest.mark.parametrize("field", ["aud", "iss"])
def test_wrong_audience_or_issuer_is_refused(field: str) -> None:
    other = TokenPolicy(**{"audience" if field == "aud" else "issuer": "someone-else"})
    token, _ = AccessTokenIssuer(KEY, other).issue(uuid4(), uuid4(), _now())
    with pytest.raises(InvalidToken):
        VERIFIER.verify(token)


def _signed(claims: dict[str, object]) -> str:
    """Claims of our choosing, signed with the real key: what only the token service can do."""
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(KEY.encode(), password=None)
    return jwt.encode(claims, private, algorithm="EdDSA")  # type: ignore[arg-type]


@pytest.mark.parametrize("missing", ["jti", "sid", "iat", "role"])
def test_a_token_missing_a_required_claim_is_refused(missing: str) -> None:
    valid, _ = ISSUER.issue(uuid4(), uuid4(), _now())
    claims = _claims_of(valid)
    del claims[missing]
    with pytest.raises(InvalidToken):
        VERIFIER.verify(_signed(claims))


@pytest.mark.parametrize("role", ["root", "ADMIN", "", None, 1])
def test_a_role_that_is_not_one_of_ours_is_refused(role: object) -> None:
    valid, _ = ISSUER.issue(uuid4(), uuid4(), _now())
    with pytest.raises(InvalidToken):
        VERIFIER.verify(_signed(_claims_of(valid) | {"role": role}))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_invalid_not_a_crash(garbage: str) -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(garbage)


def test_refresh_tokens_are_long_random_and_stored_as_a_hash() -> None:
    token = new_refresh_token()
    assert len(base64.urlsafe_b64decode(token + "=")) == 32  # 256 bits
    assert token != new_refresh_token()
    assert hash_refresh_token(token) == hash_refresh_token(token)
    assert token not in hash_refresh_token(token)


@pytest.mark.parametrize(
    ("used", "revoked", "expires_in", "verdict"),
    [
        (False, False, timedelta(days=1), RefreshVerdict.ROTATE),
        (True, False, timedelta(days=1), RefreshVerdict.REUSED),
        (True, False, -timedelta(days=1), RefreshVerdict.REUSED),
        (False, False, -timedelta(seconds=1), RefreshVerdict.EXPIRED),
        (False, True, timedelta(days=1), RefreshVerdict.REVOKED),
        (True, True, timedelta(days=1), RefreshVerdict.REVOKED),
    ],
)
def test_refresh_rotation_rules(
    used: bool, revoked: bool, expires_in: timedelta, verdict: RefreshVerdict
) -> None:
    now = _now()
    assert (
        judge_refresh(used=used, session_revoked=revoked, expires_at=now + expires_in, now=now)
        is verdict
    )
