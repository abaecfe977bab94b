from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from actors.domain.events import Event, MalformedEvent, Topic


def _event() -> Event:
    return Event(
        type=Topic.USER_REGISTERED,
        user_id=uuid4(),
        occurred_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        payload={"email": "ann@example.com", "limit": Decimal("500.00")},
    )


def test_envelope_round_trips_with_decimals_as_strings() -> None:
    event = _event()
    decoded = Event.from_json(event.to_json())
    assert decoded.id == event.id and decoded.user_id == event.user_id
    assert decoded.type is Topic.USER_REGISTERED and decoded.version == 1
    assert decoded.occurred_at == event.occurred_at
    assert decoded.payload["limit"] == "500.00"


def test_key_is_the_user_id() -> None:
    event = _event()
    assert event.key == str(event.user_id).encode()


@pytest.mark.parametrize(
    "payload", [{"amount": 1.5}, {"items": [{"amount": 0.1}]}, {"x": object()}]
)
def test_floats_and_unknown_types_are_refused(payload: dict[str, object]) -> None:
    event = Event(Topic.USER_REGISTERED, uuid4(), datetime.now(UTC), payload)
    with pytest.raises(TypeError):
        event.to_json()


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"{}",
        b'{"id":"x","type":"user_registered","version":1,"user_id":"x",'
        b'"occurred_at":"2026-01-01T00:00:00+00:00","payload":{}}',
        _event().to_json().replace(b"user_registered", b"no_such_type"),
        _event().to_json().replace(b"+00:00", b""),
        _event().to_json().replace(b'"version":1', b'"version":"1"'),
    ],
)
def test_malformed_records_raise_malformed_event(raw: bytes) -> None:
    with pytest.raises(MalformedEvent):
        Event.from_json(raw)
