"""The running system: embedded or configured servers, Ray, Serve and the actors, up and down."""

import asyncio
import contextlib
import importlib
import ipaddress
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ray

from actors import placement
from actors.domain.preferences import Channel
from actors.naming import NAMESPACE
from adapters import database, kafka, offsets, outbox, transport
from adapters.config import Misconfigured, Settings
from adapters.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from adapters.keys import event_key, signing_key
from serve import ray_environment

Say = Callable[[str], None]

DASHBOARD_SIGN_IN = "it asks for Ray's token: `ray get-auth-token` prints it"
SCRAPE_CONFIG = "adapters/observability/prometheus.yml"


@dataclass
class RunningSystem:
    settings: Settings
    api_url: str
    dashboard_url: str | None
    started_ray: bool
    metrics_urls: list[str] = field(default_factory=list)
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
            "dashboard": f"{self.dashboard_url} ({DASHBOARD_SIGN_IN})"
            if self.dashboard_url
            else "(not available)",
            "metrics": ", ".join(self.metrics_urls) + f" (Prometheus: {SCRAPE_CONFIG})"
            if self.metrics_urls
            else "(not available)",
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
            from ray import serve

            from serve.app import APP_NAME

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
    _servers_for_a_cluster(settings)
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
    # Resolved here and handed to the actors: they may run on nodes that have no such home,
    # and no copy of the files the settings name.
    updates["event_key"] = event_key(settings.event_key, home)
    return settings.model_copy(update=updates).with_files_read()


def _servers_for_a_cluster(settings: Settings) -> None:
    """On a cluster (RAY_ADDRESS) the actors may run on other machines, which cannot reach a
    server embedded here: PostgreSQL on a Unix socket, the broker on loopback."""
    missing = [
        variable
        for variable, value in (
            ("DATABASE_URL", settings.database_url),
            ("KAFKA_BOOTSTRAP", settings.kafka_bootstrap),
        )
        if value is None
    ]
    if settings.ray_address and missing:
        raise Misconfigured(
            f"RAY_ADDRESS joins a Ray cluster, whose nodes on other machines cannot reach the "
            f"servers `up` embeds on this one: set {' and '.join(missing)} to servers that "
            "every node reaches"
        )


def only_here(settings: Settings) -> list[str]:
    """The settings that name a server by an address only this machine reaches (loopback or
    a Unix socket): fine on one machine, out of reach of the actors on any other."""
    hosts = {
        "DATABASE_URL": [database.credentials(settings.database_url)["host"]]
        if settings.database_url
        else [],
        "KAFKA_BOOTSTRAP": [
            server.strip().rpartition(":")[0].strip("[]")
            for server in (settings.kafka_bootstrap or "").split(",")
            if server.strip()
        ],
        "SMTP_HOST": [settings.smtp_host] if settings.smtp_host else [],
        "TWILIO_API_BASE": [urlsplit(settings.twilio_api_base).hostname or ""]
        if settings.twilio_api_base
        else [],
    }
    return [variable for variable, named in hosts.items() if any(map(_machine_local, named))]


def _machine_local(host: str) -> bool:
    if host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        # The servers start in a thread, and Serve and the deployments' code (the gateway's
        # routes, FastAPI) are imported in another, while Ray starts here (ray.init wants the
        # main thread).
        with ThreadPoolExecutor(2, thread_name_prefix="ledgerflow-start") as pool:
            servers = pool.submit(_servers, settings, system, say)
            wiring = pool.submit(importlib.import_module, "serve.app")
            try:
                _start_ray(settings, system, host, say)
            finally:
                wait([servers])  # a stop must not race a start still under way
            system.settings = settings = servers.result()
            wiring.result()
        check_cluster(settings, say)
        _deploy(settings, system, host, port, say)
    except BaseException:
        say("the start was cut short: stopping what had started")
        system.stop(say)
        raise
    return system


def _deploy(settings: Settings, system: RunningSystem, host: str, port: int, say: Say) -> None:
    """Serve's controller and proxies first: they, then the replicas, are the longest chain of
    the start, and a new worker process waits for a free start slot (Ray starts as many at once
    as the node has CPUs), which the actors' processes took when asked for first. The actors
    start while Serve deploys the replicas."""
    from ray import serve

    from serve import app  # imported while Ray started

    say("deploying the Serve application and starting the actors")
    serve.start(http_options={"host": host, "port": port})
    system.actors = app.create_actors(settings)
    serve.run(app.application(settings), name=app.APP_NAME, route_prefix="/")
    app.wait_until_ready(system.actors, say)


def _start_ray(settings: Settings, system: RunningSystem, host: str, say: Say) -> None:
    # Read by the processes of Ray's nodes, which inherit the environment of the one that starts
    # them: of this process for a local Ray, of each node's `ray start` on a cluster.
    if settings.ray_address is None:
        ray_environment.keep_serve_metrics_idle()
    if settings.ray_address is None and settings.fast_mode:
        ray_environment.use_fast_mode(settings.home, host)
    elif settings.ray_address is None:
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
            # Where this node's metrics agent serves every actor's and replica's metrics to
            # Prometheus: chosen free, as Ray's default (8080) often is not.
            _metrics_export_port=free_port(),
            configure_logging=False,
        )
    if keep is not None:
        signal.signal(signal.SIGTERM, keep)
    url = getattr(context, "dashboard_url", None)
    system.dashboard_url = f"http://{url}" if url and not url.startswith("http") else url
    system.metrics_urls = metrics_urls()


def metrics_urls() -> list[str]:
    """The metrics endpoint of every live node of the Ray cluster, for Prometheus to scrape."""
    return [
        f"http://{node['NodeManagerAddress']}:{node['MetricsExportPort']}/metrics"
        for node in ray.nodes()
        if node.get("Alive") and node.get("MetricsExportPort")
    ]


def check_cluster(settings: Settings, say: Say) -> None:
    """Misconfigured if some kind of actor has no node to run on (it would wait for one without
    a word); a warning for a server named by an address that nodes of other machines lack."""
    nodes = [node for node in ray.nodes() if node["Alive"]]
    if problems := placement.unplaceable(settings, [node["Resources"] for node in nodes]):
        raise Misconfigured("; ".join(problems))
    machines = {node["NodeManagerAddress"] for node in nodes}
    if len(machines) > 1 and (local := only_here(settings)):
        say(
            f"warning: {', '.join(local)} name servers on this machine only (loopback or a Unix "
            f"socket), and the Ray cluster has nodes on {len(machines)} addresses: actors on "
            "the others cannot reach them"
        )


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
