"""Access tokens (EdDSA-signed JWT) and the rules of refresh-token rotation."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID, uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from actors.domain.errors import InvalidToken, TokenExpired
from actors.domain.roles import Role

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti", "sid", "role"]


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    session_id: UUID
    role: Role


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str = "ledgerflow"
    audience: str = "ledgerflow-api"
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)


def generate_signing_key() -> str:
    """A new Ed25519 private key as PKCS#8 PEM."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def public_key_pem(private_key_pem: str) -> str:
    key = _load_private_key(private_key_pem)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the JWT signing key must be an Ed25519 private key")
    return key


class AccessTokenIssuer:
    """Signs access tokens; only the token service holds the private key."""

    def __init__(self, private_key_pem: str, policy: TokenPolicy) -> None:
        self._key = _load_private_key(private_key_pem)
        self._policy = policy

    def issue(
        self, user_id: UUID, session_id: UUID, now: datetime, role: Role = Role.USER
    ) -> tuple[str, int]:
        """Return the signed token and its lifetime in seconds. The role is the user's as the
        token service read it at login or refresh: a change applies from the next of those."""
        expires_at = now + self._policy.access_ttl
        claims = {
            "iss": self._policy.issuer,
            "aud": self._policy.audience,
            "sub": str(user_id),
            "sid": str(session_id),
            "role": role.value,
            "jti": uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM)
        return token, int(self._policy.access_ttl.total_seconds())


class AccessTokenVerifier:
    """Verifies access tokens locally with the public key: no call per request."""

    def __init__(self, public_key_pem: str, policy: TokenPolicy) -> None:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the JWT verification key must be an Ed25519 public key")
        self._key = key
        self._policy = policy

    def verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],  # pinned: "none" and HS* confusion are refused
                audience=self._policy.audience,
                issuer=self._policy.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
            return AccessClaims(
                user_id=UUID(claims["sub"]),
                session_id=UUID(claims["sid"]),
                role=Role(claims["role"]),
            )
        except jwt.ExpiredSignatureError as error:
            raise TokenExpired() from error
        except (jwt.InvalidTokenError, ValueError, TypeError) as error:
            raise InvalidToken() from error


def new_refresh_token() -> str:
    """256 random bits, URL-safe; only its hash is ever stored."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # A fast hash is right here: the token has 256 bits of entropy, so it cannot be guessed.
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshVerdict(Enum):
    ROTATE = "rotate"
    REUSED = "reused"
    EXPIRED = "expired"
    REVOKED = "revoked"


def judge_refresh(
    *, used: bool, session_revoked: bool, expires_at: datetime, now: datetime
) -> RefreshVerdict:
    """Decide what presenting a known refresh token means."""
    if session_revoked:
        return RefreshVerdict.REVOKED
    if used:
        # A used token shown again means two parties hold it: revoke the whole session.
        return RefreshVerdict.REUSED
    if expires_at <= now:
        return RefreshVerdict.EXPIRED
    return RefreshVerdict.ROTATE
