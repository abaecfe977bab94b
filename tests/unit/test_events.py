import json
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


def _with_payload(payload: bytes) -> bytes:
    return _event().to_json().split(b'"payload":')[0] + b'"payload":' + payload + b"}"


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
        _event().to_json().replace(b':00Z"', b':00"'),  # no time zone
        _event().to_json().replace(b'"version":1', b'"version":"1"'),
        _event().to_json().replace(b'"version":1', b'"version":true'),
        b"",
        b"\xff" * 200_000,
        b"[" * 200_000 + b"]" * 200_000,
        b'{"payload":' * 200_000 + b"{}" + b"}" * 200_000,
        b"[1, 2]",
        _with_payload(b'{"deep":' + b"[" * 20 + b"]" * 20 + b"}"),
        _with_payload(b'{"amount": 1.5}'),
        _with_payload(b'{"amount": NaN}'),
        _with_payload(b'{"amount": 1e400}'),
        _with_payload(b'{"name": "a\\u0000b"}'),
        _with_payload(b'{"name": "\\ud800"}'),
        _with_payload(b'{"\\u0000": 1}'),
        _with_payload(b'{"n": ' + b"9" * 5000 + b"}"),
        _with_payload(b"[]"),
    ],
)
def test_malformed_records_raise_malformed_event(raw: bytes) -> None:
    with pytest.raises(MalformedEvent):
        Event.from_json(raw)


@pytest.mark.parametrize("field", ["id", "user_id", "type", "occurred_at"])
@pytest.mark.parametrize("value", [7, None, ["x"], {"x": 1}])
def test_an_envelope_field_of_the_wrong_type_is_malformed(field: str, value: object) -> None:
    body = json.loads(_event().to_json())
    body[field] = value
    with pytest.raises(MalformedEvent, match=field):
        Event.from_json(json.dumps(body).encode())


def test_a_payload_as_deep_as_ours_and_with_any_text_reads() -> None:
    event = Event(
        Topic.BUDGET_CHANGED,
        uuid4(),
        datetime(2026, 11, 24, tzinfo=UTC),
        {"budget": {"spent": {"2026-11-01": "1.00"}}, "name": "Zoë 🚲 \n\t"},
    )
    assert Event.from_json(event.to_json()) == event
    # The payloads the malformed cases put in an otherwise good envelope read when good.
    assert Event.from_json(_with_payload(b'{"amount": "1.50", "n": 7}')).payload["n"] == 7
