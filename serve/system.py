"""The running system: embedded or configured servers, Ray, Serve and the actors, up and down."""

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ray
from ray import serve

from actors.domain.preferences import Channel
from adapters import database, kafka, offsets, outbox, transport
from adapters.config import Settings
from adapters.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from adapters.keys import event_key, signing_key
from serve import ray_environment
from serve.app import APP_NAME, NAMESPACE, application, create_actors, wait_until_ready

Say = Callable[[str], None]


@dataclass
class RunningSystem:
    settings: Settings
    api_url: str
    dashboard_url: str | None
    started_ray: bool
    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    actors: list[Any] = field(default_factory=list)

    def parts(self) -> dict[str, str]:
        return {
            "api": self.api_url,
            "docs": f"{self.api_url}/docs"
            if self.settings.api_docs
            else "off (LEDGERFLOW_API_DOCS=0)",
            "admin": f"{self.api_url}/admin",
            "dashboard": self.dashboard_url or "(not available)",
            "database": _describe_database(self.settings.database_url or "", self.postgres),
            "kafka": f"{self.settings.kafka_bootstrap}"
            + (" (embedded Tansu, memory storage)" if self.broker else ""),
            "ray": "local" if self.started_ray else str(self.settings.ray_address),
            "email": transport.describe(Channel.EMAIL, self.settings),
            "sms": transport.describe(Channel.SMS, self.settings),
        }

    def stop(self, say: Say = lambda _message: None) -> None:
        """Stop every part this run started; one that fails to stop keeps no other one up."""
        for stop_part in (self._stop_ray, self._stop_broker, self._stop_postgres):
            try:
                stop_part(say)
            except Exception as error:
                say(f"{error!r} while stopping; going on with the rest")

    def _stop_ray(self, say: Say) -> None:
        if self.started_ray:
            say("stopping Ray, Serve and the actors")
            ray.shutdown()  # the local Ray takes every deployment and actor down with it
        elif ray.is_initialized():
            say("removing the application and the actors from the Ray cluster")
            with contextlib.suppress(Exception):
                serve.delete(APP_NAME)
            for actor in self.actors:
                with contextlib.suppress(Exception):
                    ray.kill(actor, no_restart=True)
            ray.shutdown()

    def _stop_broker(self, say: Say) -> None:
        if self.broker is not None:
            say("stopping the embedded broker")
            self.broker.stop()

    def _stop_postgres(self, say: Say) -> None:
        if self.postgres is not None:
            say("stopping the embedded PostgreSQL")
            self.postgres.stop()


def _describe_database(url: str, postgres: EmbeddedPostgres | None) -> str:
    if postgres is None:
        return url.split("@")[-1]  # never print a password
    return f"embedded PostgreSQL 18, data in {postgres.pgdata}"


def embedded_postgres(home: Path, say: Say) -> EmbeddedPostgres:
    """The home's embedded PostgreSQL, to start: `start` attaches to the one already running on
    its data folder (under a `ledgerflow up`, say) and tells by `reused`."""
    postgres = EmbeddedPostgres(home)
    if postgres.needs_init:
        say("initialising the embedded PostgreSQL (first start, takes a few seconds)")
    elif postgres.is_running():
        say("using the embedded PostgreSQL already running")
    else:
        say("starting the embedded PostgreSQL")
    return postgres


def resolve_servers(settings: Settings, system: RunningSystem, say: Say) -> Settings:
    """Start the embedded PostgreSQL and broker for what the settings leave unconfigured, at the
    same time. Each is on `system` before it starts, so that stopping `system` stops it even if
    its start was cut short; returns the settings pointing at them."""
    home = settings.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    updates: dict[str, Any] = {"home": home}
    with ThreadPoolExecutor(thread_name_prefix="ledgerflow-start") as pool:
        starts: dict[str, Future[str]] = {}
        if settings.database_url is None:
            system.postgres = embedded_postgres(home, say)
            starts["database_url"] = pool.submit(system.postgres.start)
        if settings.kafka_bootstrap is None:
            say("starting the embedded Kafka broker (Tansu)")
            system.broker = EmbeddedBroker(home)
            starts["kafka_bootstrap"] = pool.submit(system.broker.start)
        updates |= {name: start.result() for name, start in starts.items()}
    updates["jwt_private_key"] = signing_key(settings.jwt_private_key, home)
    # Resolved here and handed to the actors: they may run on nodes that have no such home.
    updates["event_key"] = event_key(settings.event_key, home)
    return settings.model_copy(update=updates)


def prepare(settings: Settings, say: Say, *, fresh_broker: bool = False) -> None:
    """Apply migrations and create the topics, at the same time; both are no-ops when already
    done. Then, for a fresh embedded broker, publish the kept events again."""
    assert settings.database_url and settings.kafka_bootstrap
    say("applying database migrations and creating the Kafka topics")
    with ThreadPoolExecutor(thread_name_prefix="ledgerflow-prepare") as pool:
        migrated = pool.submit(asyncio.run, database.migrate(settings.database_url))
        topics = pool.submit(asyncio.run, kafka.ensure_topics(settings))
        migrated.result()
        topics.result()
    if fresh_broker:
        asyncio.run(_replay_into_fresh_broker(settings.database_url, say))


def _servers(settings: Settings, system: RunningSystem, say: Say) -> Settings:
    """PostgreSQL and Kafka started, migrated and with their topics; the settings to reach them."""
    settings = resolve_servers(settings, system, say)
    broker = system.broker
    prepare(settings, say, fresh_broker=broker is not None and not broker.reused)
    return settings


async def _replay_into_fresh_broker(database_url: str, say: Say) -> None:
    """The embedded broker starts empty: send the kept events again and read from the start.
    PostgreSQL is the system of record; consumers skip the events they have already applied."""
    await database.connect(database_url, pool_size=1)
    try:
        await offsets.forget_all()
        if count := await outbox.publish_again():
            say(f"the embedded broker starts empty: replaying {count} kept events")
    finally:
        await database.disconnect()


def start(settings: Settings, *, host: str, port: int, say: Say) -> RunningSystem:
    """Start every part. Interrupted (KeyboardInterrupt) or failing, it stops what it had started
    and raises again."""
    system = RunningSystem(settings, f"http://{host}:{port}", None, False)
    try:
        home = settings.home.resolve()
        home.mkdir(parents=True, exist_ok=True)
        settings = settings.model_copy(update={"home": home})
        # The servers start in a thread while Ray starts here (ray.init wants the main thread).
        with ThreadPoolExecutor(1, thread_name_prefix="ledgerflow-servers") as pool:
            servers = pool.submit(_servers, settings, system, say)
            try:
                _start_ray(settings, system, host, say)
            finally:
                wait([servers])  # a stop must not race a start still under way
            system.settings = settings = servers.result()
        say("starting the actors and deploying the Serve application")
        system.actors = create_actors(settings)  # they start while Serve deploys
        serve.start(http_options={"host": host, "port": port})
        serve.run(application(settings), name=APP_NAME, route_prefix="/")
        wait_until_ready(system.actors, say)
    except BaseException:
        say("the start was cut short: stopping what had started")
        system.stop(say)
        raise
    return system


def _start_ray(settings: Settings, system: RunningSystem, host: str, say: Say) -> None:
    if settings.fast_mode:
        ray_environment.use_fast_mode(settings.home, host)
    else:
        ray_environment.use_serve_proxy()
    # ray.init installs a SIGTERM handler of its own (sys.exit): keep the caller's.
    keep = signal.getsignal(signal.SIGTERM) if _on_main_thread() else None
    if settings.ray_address:
        say(f"connecting to Ray at {settings.ray_address}")
        context = ray.init(address=settings.ray_address, namespace=NAMESPACE)
    else:
        say("starting a local Ray (takes several seconds)")
        system.started_ray = True  # so that an interrupted ray.init is shut down too
        context = ray.init(
            address="local",  # never attach to some other Ray that happens to run here
            namespace=NAMESPACE,
            num_cpus=settings.num_cpus,
            include_dashboard=True,
            dashboard_host="127.0.0.1",
            dashboard_port=free_port(),
            configure_logging=False,
        )
    if keep is not None:
        signal.signal(signal.SIGTERM, keep)
    url = getattr(context, "dashboard_url", None)
    system.dashboard_url = f"http://{url}" if url and not url.startswith("http") else url


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
