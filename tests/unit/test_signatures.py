from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from actors.domain.events import Event, MalformedEvent, Topic
from actors.domain.payloads import DecimalText, EntryType, TransactionCreated, read_signed_notice
from actors.domain.signatures import (
    HEADER,
    EventKey,
    SignatureInvalid,
    generate_event_key,
)
from tests.unit.notification_events import budget_exceeded

KEY = EventKey(generate_event_key())
PARTITION = 3


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def _event() -> Event:
    return Event(
        Topic.TRANSACTION_CREATED,
        uuid4(),
        datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        TransactionCreated(
            sequence=4,
            amount=DecimalText("12.50"),
            type=EntryType.EXPENSE,
            category="food",
            local_date=date(2026, 11, 24),
        ),
    )


def _signed(event: Event, key: EventKey = KEY) -> Record:
    value = event.to_json()
    headers = key.headers(event.type, PARTITION, event.key, value)
    return Record(event.type.value, PARTITION, event.key, value, headers)


def _last_digit_changed(signature: bytes) -> bytes:
    return signature[:-1] + (b"1" if signature.endswith(b"0") else b"0")


def _verify(record: Record) -> None:
    KEY.verify(record.topic, record.partition, record.key, record.value, record.headers)


def test_a_signed_record_verifies_and_reads_as_its_event() -> None:
    event = _event()
    record = _signed(event)
    _verify(record)
    assert read_signed_notice(record, KEY) == event


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: replace(r, topic=Topic.TRANSACTION_DELETED.value),
        lambda r: replace(r, partition=PARTITION + 1),
        lambda r: replace(r, key=str(uuid4()).encode()),
        lambda r: replace(r, key=None),
        lambda r: replace(r, value=r.value.replace(b"12.50", b"512.50")),
        lambda r: replace(r, value=r.value + b" "),
        lambda r: replace(r, value=None),
        lambda r: replace(r, headers=[(HEADER, _last_digit_changed(r.headers[0][1]))]),
        lambda r: replace(r, headers=[(HEADER, r.headers[0][1].replace(b"v1:", b"v2:"))]),
        lambda r: replace(
            r, headers=[(HEADER, r.headers[0][1][:20] + r.headers[0][1][20:].upper())]
        ),
        lambda r: replace(r, headers=[(HEADER, b"")]),
        lambda r: replace(r, headers=[]),
        lambda r: replace(r, headers=[("another-header", r.headers[0][1])]),
        lambda r: replace(r, headers=r.headers * 2),
    ],
    ids=[
        "topic",
        "partition",
        "key",
        "key removed",
        "amount",
        "value extended",
        "value removed",
        "signature",
        "scheme",
        "signature case",
        "empty header",
        "no header",
        "header renamed",
        "header twice",
    ],
)
def test_every_changed_field_fails(tamper: Callable[[Record], Record]) -> None:
    with pytest.raises(SignatureInvalid):
        _verify(tamper(_signed(_event())))


def test_a_record_signed_with_another_key_fails() -> None:
    forged = _signed(_event(), EventKey(generate_event_key()))
    with pytest.raises(SignatureInvalid, match="unknown key"):
        _verify(forged)
    with pytest.raises(MalformedEvent, match=r"^signature does not verify"):
        read_signed_notice(forged, KEY)


def test_another_key_claiming_our_key_id_fails() -> None:
    record = _signed(_event(), EventKey(generate_event_key()))
    version, _their_id, mac = record.headers[0][1].split(b":")
    claimed = replace(record, headers=[(HEADER, b":".join([version, KEY.id.encode(), mac]))])
    with pytest.raises(SignatureInvalid, match="wrong"):
        _verify(claimed)


def test_fields_are_framed_so_that_moving_bytes_between_them_fails() -> None:
    headers = KEY.headers("ab", 1, b"c", b"value")
    with pytest.raises(SignatureInvalid):
        KEY.verify("a", 1, b"bc", b"value", headers)
    with pytest.raises(SignatureInvalid):
        KEY.verify("ab", 1, b"cv", b"alue", headers)
    with pytest.raises(SignatureInvalid):  # no key is not an empty key
        KEY.verify("t", 1, b"", b"v", KEY.headers("t", 1, None, b"v"))


def test_an_unsigned_record_is_malformed_before_its_value_is_read() -> None:
    unsigned = replace(_signed(_event()), value=b"not json", headers=[])
    with pytest.raises(MalformedEvent, match=r"^signature does not verify: the record has no"):
        read_signed_notice(unsigned, KEY)


def test_a_signed_record_of_another_topics_event_is_malformed() -> None:
    # An exceeded budget's payload reads as a warning's: only the event's type does not fit.
    event = budget_exceeded(uuid4())
    value = event.to_json()
    topic = Topic.BUDGET_WARNING.value
    headers = KEY.headers(topic, PARTITION, event.key, value)
    record = Record(topic, PARTITION, event.key, value, headers)
    with pytest.raises(MalformedEvent, match="a budget_exceeded event on the budget_warning"):
        read_signed_notice(record, KEY)


def test_a_short_key_is_refused_and_a_key_never_shows_in_its_repr() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        EventKey("x" * 31)
    secret = generate_event_key()
    assert secret not in repr(EventKey(secret))
