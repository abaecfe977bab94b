"""Password hashing with Argon2id at OWASP's recommended parameters."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16
)

# Verified against when the account does not exist, so that an unknown e-mail costs the same
# time as a wrong password and the response time does not reveal which accounts exist.
_DECOY_HASH = _HASHER.hash("ledgerflow-decoy-password")


def hash_password(password: str) -> str:
    """Hash with a fresh random salt; the result encodes algorithm, parameters and salt."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant time; a missing hash is checked against a decoy."""
    try:
        return _HASHER.verify(password_hash or _DECOY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    return _HASHER.check_needs_rehash(password_hash)
