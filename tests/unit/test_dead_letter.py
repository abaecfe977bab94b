import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from actors.domain import dead_letter
from actors.domain.dead_letter import DeadLetter

MIB = 1024 * 1024


def _body(letter: DeadLetter) -> dict[str, object]:
    raw = letter.to_json()
    assert len(raw) <= dead_letter.LARGEST
    body: dict[str, object] = json.loads(raw)
    return body


def test_a_200_kb_record_of_ff_bytes_is_cut_far_below_the_producer_limit() -> None:
    value = b"\xff" * 200_000
    letter = DeadLetter("transaction_created", b"k", value, "JSONDecodeError: ...", 3, 17)
    assert len(letter.to_json()) < MIB / 20
    body = _body(letter)
    assert body["value_size"] == 200_000 and body["value_truncated"] is True
    assert body["value_sha256"] == hashlib.sha256(value).hexdigest()
    assert body["value"] == "\\xff" * dead_letter.VALUE_LIMIT
    assert (body["topic"], body["partition"], body["offset"]) == ("transaction_created", 3, 17)
    assert letter.dead_letter_topic == "transaction_created.dead_letter"


def test_a_record_without_a_value_or_key_still_makes_a_dead_letter() -> None:
    body = _body(DeadLetter("goal_achieved", None, None, "the record has no value"))
    assert body["value"] is None and body["value_size"] is None and body["key"] is None
    assert body["reason"] == "the record has no value"


def test_a_short_text_value_and_a_users_key_are_kept_as_they_are() -> None:
    key = b"0b5a2a0e-5f0b-4c55-9a57-6a3c3d1f6a10"
    letter = DeadLetter("budget_warning", key, b"not json", "JSONDecodeError: Expecting value")
    body = _body(letter)
    assert body["value"] == "not json" and body["value_truncated"] is False
    assert body["key"] == letter.key_text == key.decode()


def test_a_long_reason_is_cut() -> None:
    body = _body(DeadLetter("t", None, b"", "x" * 100_000))
    assert isinstance(body["reason"], str) and len(body["reason"]) == dead_letter.REASON_LIMIT


def test_a_reason_no_column_could_hold_is_made_one() -> None:
    letter = DeadLetter("t", None, b"", "bad \x00 and \ud800 quoted")
    assert letter.reason_text == "bad \ufffd and ? quoted"
    assert _body(letter)["reason"] == letter.reason_text


def test_a_key_no_column_could_hold_is_escaped_and_cut() -> None:
    letter = DeadLetter("t", b"\x00\xff" + b"k" * 1000, b"", "r")
    assert letter.key_text.startswith("\\x00\\xff")
    assert "\x00" not in letter.key_text and len(letter.key_text) == dead_letter.KEY_LIMIT


@given(
    key=st.none() | st.binary(max_size=300),
    value=st.none() | st.binary(max_size=3 * dead_letter.VALUE_LIMIT),
    reason=st.text(max_size=3 * dead_letter.REASON_LIMIT),
    topic=st.sampled_from(["transaction_created", "goal_achieved"]),
)
def test_any_record_and_reason_make_a_dead_letter_under_the_cap(
    key: bytes | None, value: bytes | None, reason: str, topic: str
) -> None:
    body = _body(DeadLetter(topic, key, value, reason))
    if value is not None:
        assert body["value_size"] == len(value)
        assert body["value_sha256"] == hashlib.sha256(value).hexdigest()
        kept = value[: dead_letter.VALUE_LIMIT]
        assert body["value"] == kept.decode("utf-8", "backslashreplace")


def test_the_worst_escaping_still_fits_the_cap() -> None:
    worst_value = b"\x01" * 10_000  # each byte kept escapes to six characters
    worst_text = "\U0001f6b2" * 5000  # each character escapes to twelve
    worst_topic = worst_text[: dead_letter.KEY_LIMIT]  # the outbox's topic column: 64
    _body(DeadLetter(worst_topic, worst_text.encode(), worst_value, worst_text, 2**31, 2**63))
