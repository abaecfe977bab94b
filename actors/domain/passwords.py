"""Passwords: refused when easy to guess, hashed with Argon2id at OWASP's parameters."""

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

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


# zxcvbn's score 3: "safely unguessable", over 10^8 guesses. Below it are the common passwords
# (ASVS 5, V6.2.4), dictionary words with a digit, keyboard walks, repeats and the user's own
# name or e-mail (V6.2.11).
GOOD_ENOUGH_SCORE = 3
# zxcvbn's matching time grows fast with length (seconds at 128 characters): the first 72 are
# scored, and a longer password is as hard as its start at least.
SCORED_LENGTH = 72


def guessability(password: str, personal: Iterable[str]) -> str | None:
    """Why the password is too easy to guess, or None when it is not."""
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=[*personal, "ledgerflow"])
    if result["score"] >= GOOD_ENOUGH_SCORE:
        return None
    feedback = result["feedback"]
    advice = " ".join(part for part in [feedback["warning"], *feedback["suggestions"]] if part)
    return f"is too easy to guess. {advice}".strip()
