import pytest
from argon2 import extract_parameters

from actors.domain.passwords import guessability, hash_password, needs_rehash, verify_password


def test_a_password_verifies_against_its_own_hash_only() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(stored, "")


def test_hashes_are_argon2id_with_owasp_parameters_and_a_salt_each() -> None:
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second  # a fresh salt per password
    params = extract_parameters(first)
    assert first.startswith("$argon2id$")
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)
    assert not needs_rehash(first)


def test_weaker_old_hashes_are_flagged_for_rehash() -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("pw123456")
    assert verify_password(weak, "pw123456")
    assert needs_rehash(weak)


def test_unknown_account_and_garbage_hash_never_verify() -> None:
    assert not verify_password(None, "ledgerflow-decoy-password")
    assert not verify_password("not-a-hash", "whatever1")


@pytest.mark.parametrize(
    "password",
    [
        "password",
        " " * 8,
        "12345678",
        "qwertyuiop",
        "P@ssw0rd",
        "Summer2026!",
        "aaaaaaaaaaaa",
        "ann.lee@example.com",
        "x" * 256,
    ],
    ids=repr,
)
def test_common_and_guessable_passwords_are_refused_saying_why(password: str) -> None:
    problem = guessability(password, ["Ann Lee", "ann.lee@example.com"])
    assert problem is not None and problem.startswith("is too easy to guess.")


def test_a_common_password_is_called_common() -> None:
    problem = guessability("password", [])
    assert problem is not None and "common password" in problem


@pytest.mark.parametrize(
    "password", ["correct horse battery", "Tr0ub4dor&3x", "velvet-otter-89-quilt"], ids=repr
)
def test_passwords_hard_to_guess_are_taken(password: str) -> None:
    assert guessability(password, ["Ann Lee", "ann.lee@example.com"]) is None
