"""More than one machine: `ledgerflow up` attached to a Ray cluster of two nodes, with the ledger
shards and the couriers placed on the second node by LEDGERFLOW_ACTOR_RESOURCES, takes a write
over HTTP and sends its alert e-mail; stopped, it leaves nothing running.

The cluster runs in a process of its own (tests/two_node_cluster.py): this session's Ray holds
this process. It has a database of its own on the session's PostgreSQL server and a broker of its
own, so that its consumers and the session's never read each other's records; it sends through
the session's SMTP and Twilio servers."""

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from actors.naming import ActorKind
from adapters.config import Settings
from adapters.embedded import EmbeddedBroker, free_port
from tests.client_addresses import any_loopback, client_from
from tests.conftest import fresh_database
from tests.e2e.identity import create_budget, signup_and_login, spend
from tests.ledgerflow_up import running
from tests.smtp_server import RecordingSmtp
from tests.two_node_cluster import HEAD_RESOURCE, PLACEMENT, SECOND_RESOURCE

REPO = Path(__file__).resolve().parents[2]
ON_SECOND = (ActorKind.LEDGER_SHARD, ActorKind.COURIER)
ON_HEAD = (ActorKind.GATEWAY, ActorKind.USERS, ActorKind.TOKENS)
#: A write crosses the relay, a shard, the relay again, messaging and a courier, on two nodes
#: that share two cores with the rest of the session.
ALERT_WITHIN = 120.0
#: Two nodes to start (again, if one misses Ray's 30 s to register), then `up` on them.
READY_WITHIN = 420.0


@pytest.fixture(scope="module")
def cluster_database(database_url: str) -> Iterator[str]:
    with fresh_database(database_url) as url:
        yield url


@pytest.fixture(scope="module")
def cluster_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    broker = EmbeddedBroker(tmp_path_factory.mktemp("cluster-broker"), reuse=False)
    yield broker.start()
    broker.stop()


def head_settings(settings: Settings, database_url: str, bootstrap: str) -> dict[str, str]:
    """What `up` on the head needs, as README's "Running on a cluster" lists it: servers every
    node reaches, both keys, the providers, and where each kind of actor runs."""
    resources = {kind.value: {SECOND_RESOURCE: 1} for kind in ON_SECOND} | {
        kind.value: {HEAD_RESOURCE: 1} for kind in ON_HEAD
    }
    assert settings.jwt_private_key and settings.event_key and settings.smtp_port
    given = {
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP": bootstrap,
        "JWT_PRIVATE_KEY": settings.jwt_private_key,
        "LEDGERFLOW_EVENT_KEY": settings.event_key,
        "LEDGERFLOW_KAFKA_PARTITIONS": str(settings.kafka_partitions),
        "LEDGERFLOW_ACTOR_RESOURCES": json.dumps(resources),
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": str(settings.smtp_port),
        "SMTP_TLS": settings.smtp_tls,
        "SMTP_USERNAME": settings.smtp_username,
        "SMTP_PASSWORD": settings.smtp_password,
        "SMTP_FROM": settings.smtp_from,
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "TWILIO_FROM_NUMBER": settings.twilio_from_number,
        "TWILIO_API_BASE": settings.twilio_api_base,
        # `python -m tests.two_node_cluster` from wherever pytest runs.
        "PYTHONPATH": str(REPO),
    }
    return {name: value for name, value in given.items() if value is not None}


async def test_shards_and_couriers_on_a_second_node_send_the_alert_of_a_write(
    settings: Settings,
    cluster_database: str,
    cluster_broker: str,
    smtp_server: RecordingSmtp,
    tmp_path: Path,
) -> None:
    port = free_port()
    environment = head_settings(settings, cluster_database, cluster_broker)
    async with running(
        tmp_path / "home", port, module=("tests.two_node_cluster",), **environment
    ) as cluster:
        await cluster.ready(READY_WITHIN)
        placed = json.loads(
            next(line for line in cluster.lines if line.startswith(PLACEMENT))[len(PLACEMENT) :]
        )
        assert {
            name: node for name, node in placed.items() if name.startswith("ledger-shard-")
        } == {
            "ledger-shard-0": "second",
            "ledger-shard-1": "second",
        }
        assert {name: node for name, node in placed.items() if name.startswith("courier-")} == {
            "courier-email": "second",
            "courier-sms": "second",
        }
        replicas = [node for name, node in placed.items() if name.startswith("SERVE_REPLICA")]
        assert replicas == ["head"] * 3, placed  # gateway, users, tokens: the API's node

        async with client_from(f"http://127.0.0.1:{port}", any_loopback()) as api:
            account = await signup_and_login(api)
            await create_budget(api, account, "travel", "100.00")
            await spend(api, account, "120.00", "travel")
            # Read back from the shard on the second node, through the gateway on the head.
            [budget] = (await api.get("/api/budget", headers=account.auth)).json()
            assert (budget["spent"], budget["status"]) == ("120.00", "exceeded")

        await smtp_server.wait_for(
            lambda: any(
                str(mail.message["Subject"]).startswith("Budget exceeded: travel")
                for mail in smtp_server.to(account.email)
            ),
            within=ALERT_WITHIN,
        )

        assert await cluster.stop(signal.SIGTERM) == 0, "\n".join(cluster.lines[-40:])
        assert cluster.left_running() == []
