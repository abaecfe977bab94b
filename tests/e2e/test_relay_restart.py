"""The relay actor killed: Ray restarts it, and events committed meanwhile still arrive, once."""

from uuid import UUID

import httpx
import ray

from actors.domain.events import Topic
from actors.naming import NAMESPACE, OUTBOX_RELAY
from serve.system import RunningSystem
from tests.e2e.identity import unique_email
from tests.kafka_reader import read_until


async def test_signup_event_survives_a_relay_crash(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    relay = ray.get_actor(OUTBOX_RELAY, namespace=NAMESPACE)
    ray.kill(relay, no_restart=False)
    response = await api.post(
        "/api/user/signup",
        json={"name": "C", "email": unique_email(), "password": "velvet otter quilt"},
    )
    assert response.status_code == 201
    user_id = UUID(response.json()["id"])
    assert system.settings.kafka_bootstrap
    events = await read_until(
        system.settings.kafka_bootstrap,
        Topic.USER_REGISTERED,
        lambda es: any(e.user_id == user_id for e in es),
    )
    assert [e.user_id for e in events].count(user_id) == 1
    await relay.ready.remote()  # the restarted actor is the same named actor
