"""Sign-up over HTTP, and its `user_registered` event read from Kafka by a real consumer."""

from uuid import UUID

import httpx
import pytest

from actors.domain.events import Topic
from serve.system import RunningSystem
from tests.e2e.identity import unique_email
from tests.kafka_reader import read_until


async def test_signup_returns_the_user_without_any_password(api: httpx.AsyncClient) -> None:
    email = unique_email("Mixed.Case")
    response = await api.post(
        "/api/user/signup",
        json={
            "name": "Ann Lee",
            "email": email,
            "password": "velvet otter quilt",
            "phone": "+15551234567",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"id", "name", "email", "phone", "created_at"}
    assert (body["name"], body["phone"]) == ("Ann Lee", "+15551234567")
    assert body["email"].lower() == email.lower()
    assert "velvet otter quilt" not in response.text and "argon2" not in response.text
    assert not any("password" in key for key in body)


async def test_signup_emits_exactly_one_user_registered_event(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    email = unique_email()
    response = await api.post(
        "/api/user/signup", json={"name": "Bo", "email": email, "password": "velvet otter quilt"}
    )
    user_id = UUID(response.json()["id"])

    def mine(events: list) -> list:
        return [e for e in events if e.user_id == user_id]

    assert system.settings.kafka_bootstrap
    events = await read_until(
        system.settings.kafka_bootstrap, Topic.USER_REGISTERED, lambda es: bool(mine(es))
    )
    [event] = mine(events)
    assert event.type is Topic.USER_REGISTERED and event.version == 1
    assert event.payload["email"].lower() == email.lower()
    assert event.key == str(user_id).encode()


async def test_same_email_in_other_case_is_a_conflict(api: httpx.AsyncClient) -> None:
    email = unique_email()
    first = await api.post(
        "/api/user/signup", json={"name": "A", "email": email, "password": "velvet otter quilt"}
    )
    again = await api.post(
        "/api/user/signup",
        json={"name": "B", "email": email.upper(), "password": "amber lantern field"},
    )
    assert (first.status_code, again.status_code) == (201, 409)
    assert "already exists" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "email": "not-an-email", "password": "velvet otter quilt"}, "email"),
        ({"name": "", "email": "a@example.com", "password": "velvet otter quilt"}, "name"),
        ({"name": "   ", "email": "a@example.com", "password": "velvet otter quilt"}, "name"),
        ({"name": "A", "email": "a@example.com", "password": "short"}, "password"),
        ({"name": "A", "email": "a@example.com"}, "password"),
        (
            {
                "name": "A",
                "email": "a@example.com",
                "password": "velvet otter quilt",
                "phone": "12",
            },
            "phone",
        ),
    ],
)
async def test_invalid_signup_is_422_naming_the_field(
    api: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    response = await api.post("/api/user/signup", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert field in response.json()["detail"]


async def test_a_body_that_is_not_json_is_a_4xx(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/user/signup", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
