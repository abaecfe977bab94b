"""What an operator sees of the running system: its servers, deployments and actors with their
state, each consumer's lag per shard, and the outbox backlog."""

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

import ray
from ray import serve

from actors import naming
from actors.domain.ledger import LEDGER_TOPICS
from actors.domain.preferences import NOTIFIABLE
from actors.ledger_shard import CONSUMER as LEDGER_CONSUMER
from actors.ownership import Ownership
from adapters import kafka, offsets, outbox
from adapters.config import Settings
from serve.schemas import ConsumerLagOut, PartStateOut, SystemOut

# How long an actor may take to answer `ready()` before it counts as not ready.
READY_WITHIN_SECONDS = 2.0
KAFKA_WITHIN_SECONDS = 5.0
# What the count that some actors answer `ready()` with is a count of.
_COUNTED = {naming.OUTBOX_RELAY: "published", naming.MESSAGING: "handled"}

Bounds = dict[tuple[str, int], tuple[int, int]]


async def survey(settings: Settings) -> SystemOut:
    """Every part at once, asked from a gateway replica; none may hold the answer up longer
    than its own timeout."""
    actors, deployments, (kafka_part, bounds), (database_part, backlog) = await asyncio.gather(
        asyncio.gather(*(_actor(name) for name in naming.every_actor(settings.ledger_shards))),
        _deployments(serve.get_replica_context().app_name),
        _kafka(settings),
        _database(),
    )
    consumers = await _lag(settings, bounds) if bounds is not None else []
    return SystemOut(
        parts=[database_part, kafka_part, *deployments, *actors],
        consumers=consumers,
        outbox_backlog=backlog,
    )


async def _actor(name: str) -> PartStateOut:
    try:
        # A call to Ray's control store that blocks: kept off the replica's event loop.
        handle = await asyncio.to_thread(ray.get_actor, name, naming.NAMESPACE)
    except ValueError:
        return PartStateOut(name=name, kind="actor", state="missing")
    try:
        answer = await _within(handle.ready.remote(), READY_WITHIN_SECONDS)
    except TimeoutError:
        return PartStateOut(name=name, kind="actor", state="not ready")
    except ray.exceptions.RayError as error:
        return PartStateOut(name=name, kind="actor", state="failed", detail={"error": str(error)})
    detail = answer if isinstance(answer, dict) else {_COUNTED.get(name, "count"): answer}
    return PartStateOut(name=name, kind="actor", state="ready", detail=detail)


async def _deployments(app_name: str) -> list[PartStateOut]:
    status = await asyncio.to_thread(serve.status)
    app = status.applications.get(app_name)
    if app is None:
        return [PartStateOut(name=app_name, kind="deployment", state="missing")]
    return [
        PartStateOut(
            name=name,
            kind="deployment",
            state=_name(deployment.status),
            detail={_name(state): count for state, count in deployment.replica_states.items()},
        )
        for name, deployment in sorted(app.deployments.items())
    ]


def _name(state: object) -> str:
    """Serve's states are str enums, or plain strings (replica states)."""
    return str(getattr(state, "value", state))


async def _kafka(settings: Settings) -> tuple[PartStateOut, Bounds | None]:
    topics = [topic.value for topic in {*LEDGER_TOPICS, *NOTIFIABLE}]
    try:
        bounds = await _within(kafka.log_bounds(settings, topics), KAFKA_WITHIN_SECONDS)
    except Exception as error:  # any failure to reach the broker is the answer, not a 500
        detail = {"error": f"{type(error).__name__}: {error}"}
        return PartStateOut(name="kafka", kind="server", state="unreachable", detail=detail), None
    return PartStateOut(name="kafka", kind="server", state="ok"), bounds


async def _database() -> tuple[PartStateOut, int]:
    backlog = await outbox.backlog()  # a database that does not answer fails the request
    return PartStateOut(name="postgresql", kind="server", state="ok"), backlog


async def _lag(settings: Settings, bounds: Bounds) -> list[ConsumerLagOut]:
    """How many records each consumer has still to read: the broker's end offsets against the
    offsets it stored with its state (none stored: it reads from the log's start)."""
    ownership = Ownership.of(settings)
    ledger_offsets = await offsets.load(LEDGER_CONSUMER)
    lags = []
    for index in range(settings.ledger_shards):
        owned = ownership.partitions_of(index)
        lag = _behind(ledger_offsets, bounds, LEDGER_TOPICS, owned)
        lags.append(ConsumerLagOut(consumer=naming.ledger_shard(index), partitions=owned, lag=lag))
    every = ownership.every_partition()
    messaging = ConsumerLagOut(
        consumer=naming.MESSAGING,
        partitions=every,
        lag=_behind(await offsets.load(naming.MESSAGING), bounds, NOTIFIABLE, every),
    )
    return [*lags, messaging]


def _behind(
    stored: offsets.Offsets, bounds: Bounds, topics: Iterable[str], partitions: list[int]
) -> int:
    total = 0
    for topic in topics:
        for partition in partitions:
            if (topic, partition) in bounds:
                first, end = bounds[(topic, partition)]
                total += max(0, end - stored.get((topic, partition), first))
    return total


async def _within(awaitable: Awaitable[Any], seconds: float) -> Any:
    async with asyncio.timeout(seconds):
        return await awaitable
