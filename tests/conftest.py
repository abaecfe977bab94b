"""Session-wide real servers: PostgreSQL, the Tansu broker, an SMTP server, a Twilio-compatible
server, and one local Ray running the system."""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import uuid4

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from actors.domain.signatures import generate_event_key
from actors.domain.tokens import generate_signing_key
from adapters import database
from adapters.config import Settings
from adapters.database import credentials
from adapters.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from serve import ray_environment
from tests import smtp_server as smtp
from tests import twilio_server as twilio
from tests.client_addresses import any_loopback, client_from
from tests.smtp_server import RecordingSmtp
from tests.twilio_server import FakeTwilio

if TYPE_CHECKING:
    from serve.system import RunningSystem

# The session's local Ray listens on loopback as `ledgerflow up`'s does (no test module has
# imported ray yet when pytest loads this file).
ray_environment.keep_local_ray_on_loopback()
# Metrics exported within a second of being recorded, for the tests that scrape them.
ray_environment.report_metrics_every(1000)

# The machine is shared and loaded: no deadline per example, and slow generation is no fault.
hypothesis_settings.register_profile(
    "ledgerflow", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("ledgerflow")

TEST_PARTITIONS = 4
TWILIO_FROM = "+15005550006"


@pytest.fixture(scope="session")
def test_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ledgerflow-home")


@pytest.fixture(scope="session")
def database_url(test_home: Path) -> Iterator[str]:
    """A fresh database on DATABASE_URL's server when set (CI), else on an embedded server."""
    server = os.environ.get("DATABASE_URL")
    if server is None:
        embedded = EmbeddedPostgres(test_home, database=f"ledgerflow_test_{uuid4().hex[:8]}")
        yield embedded.start()
        embedded.stop()
        return
    with fresh_database(server) as url:
        yield url


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of `server_url` (any database's URL), dropped after."""
    name = f"ledgerflow_test_{uuid4().hex[:8]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    base, _, query = server_url.partition("?")
    try:
        yield f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(server_url: str, statement: str) -> None:
    connection = await asyncpg.connect(**credentials(server_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(test_home: Path) -> Iterator[str]:
    if bootstrap := os.environ.get("KAFKA_BOOTSTRAP"):
        yield bootstrap
        return
    broker = EmbeddedBroker(test_home, reuse=False)
    yield broker.start()
    broker.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[RecordingSmtp]:
    server = RecordingSmtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def twilio_server() -> Iterator[FakeTwilio]:
    server = FakeTwilio()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(
    test_home: Path,
    database_url: str,
    kafka_bootstrap: str,
    smtp_server: RecordingSmtp,
    twilio_server: FakeTwilio,
) -> Settings:
    return Settings(
        **{
            "LEDGERFLOW_HOME": test_home,
            "LEDGERFLOW_KAFKA_PARTITIONS": TEST_PARTITIONS,
            "LEDGERFLOW_NUM_CPUS": 2,
            # Few awake ledgers, so that every test also puts ledgers to rest and wakes them.
            "LEDGERFLOW_AWAKE_LEDGERS": 4,
            # Retries within a test's patience: 0.2 s, 0.4 s, 0.8 s, then the dead-letter topic.
            "LEDGERFLOW_DELIVERY_ATTEMPTS": 4,
            "LEDGERFLOW_DELIVERY_BACKOFF_SECONDS": 0.2,
            "LEDGERFLOW_EVENT_KEY": generate_event_key(),
        },
        database_url=database_url,
        kafka_bootstrap=kafka_bootstrap,
        jwt_private_key=generate_signing_key(),
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_tls="none",
        smtp_username=smtp.USERNAME,
        smtp_password=smtp.PASSWORD,
        smtp_from="ledgerflow <alerts@ledgerflow.test>",
        twilio_account_sid=twilio.ACCOUNT_SID,
        twilio_auth_token=twilio.AUTH_TOKEN,
        twilio_from_number=TWILIO_FROM,
        twilio_api_base=twilio_server.base_url,
    )


@pytest.fixture(scope="session")
def prepared(settings: Settings) -> Settings:
    """Migrations applied and topics created, as `ledgerflow up` does."""
    from serve.system import prepare

    prepare(settings, say=lambda _message: None)
    return settings


@pytest.fixture(scope="session")
async def db(prepared: Settings) -> AsyncIterator[Settings]:
    """Tortoise connected in the test process, for tests that read or write tables directly."""
    assert prepared.database_url
    await database.connect(prepared.database_url)
    yield prepared
    await database.disconnect()


@pytest.fixture(scope="session")
def system(prepared: Settings) -> Iterator["RunningSystem"]:
    """The whole system on one local Ray, once per test session."""
    from serve import system as running

    started = running.start(prepared, host="127.0.0.1", port=free_port(), say=print)
    yield started
    started.stop()


@pytest.fixture
async def api(system: "RunningSystem") -> AsyncIterator[httpx.AsyncClient]:
    """A client from an address of its own, so that the per-address limits of one test (ten
    sign-ups an hour, ...) never carry over to the next."""
    async with client_from(system.api_url, any_loopback()) as client:
        yield client
