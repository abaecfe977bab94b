"""From an acknowledged write to its `budget_exceeded` event on Kafka, against the broker's own
produce-to-consume time measured by the same consumer at the same time."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from uuid import UUID

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from actors.domain.events import Event, Topic
from adapters import kafka
from adapters.config import Settings
from tests.bench.loadgen import Call, percentile, run_paced
from tests.bench.report import Figure, Target
from tests.e2e.identity import Account
from tests.kafka_reader import caught_up, topic_partitions

ALERT_CATEGORY = "bench-alerts"
PROBE_TOPIC = "bench_probe"
PROBE_INTERVAL = 0.02  # seconds between two broker probes
#: A second observer's fetch wait: the embedded broker answers a fetch only when its wait is
#: over, not when data arrives, so the consumer's wait (aiokafka: 500 ms) sets the latency.
SHORT_FETCH_WAIT_MS = 10
SETTLE_WITHIN = 60.0  # seconds for the last alerts and probes to arrive
TARGET = 3.0  # alert p99 at most this many times the broker's p99

AlertKey = tuple[str, str, str]  # user, budget, period start


@dataclass
class Observer:
    """One consumer, already caught up and polling, for the alerts and the broker probes: both
    are seen with the same fetch settings (the project's `kafka.consumer`, unless told a
    shorter fetch wait)."""

    settings: Settings
    fetch_max_wait_ms: int | None = None
    alerts: dict[AlertKey, float] = field(default_factory=dict)  # arrival, CLOCK_MONOTONIC
    probes: dict[int, float] = field(default_factory=dict)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.fetch_max_wait_ms is None:
            consumer = kafka.consumer(self.settings)
        else:  # the same settings but the wait
            consumer = AIOKafkaConsumer(
                **kafka.client_options(self.settings),
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                fetch_max_wait_ms=self.fetch_max_wait_ms,
            )
        self._consumer = consumer
        await consumer.start()
        owned = []
        for topic in (Topic.BUDGET_EXCEEDED.value, PROBE_TOPIC):
            owned += await topic_partitions(consumer, topic)
        consumer.assign(owned)
        await consumer.seek_to_beginning(*owned)
        while not await caught_up(consumer, owned):
            self._take(await consumer.getmany(timeout_ms=100))
        self.alerts.clear()
        self.probes.clear()
        self._task = asyncio.ensure_future(self._poll())

    async def _poll(self) -> None:
        assert self._consumer is not None
        while True:
            self._take(await self._consumer.getmany(timeout_ms=500))

    def _take(self, batches: dict[TopicPartition, list[Any]]) -> None:
        now = time.monotonic()
        for tp, records in batches.items():
            for record in records:
                if tp.topic == PROBE_TOPIC:
                    self.probes.setdefault(int(record.value), now)
                else:
                    event = Event.from_json(record.value)
                    key = (
                        str(event.user_id),
                        event.payload["budget_id"],
                        event.payload["period_start"],
                    )
                    self.alerts.setdefault(key, now)
        if batches:
            self._arrived.set()

    async def until(self, alerts: set[AlertKey], probes: set[int], within: float) -> None:
        """Until every one of `alerts` and `probes` has arrived, or `within` seconds passed."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while not (alerts <= self.alerts.keys() and probes <= self.probes.keys()):
                    self._arrived.clear()
                    await self._arrived.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()


@dataclass
class Probe:
    """Sends a probe every PROBE_INTERVAL with the project's producer settings, and notes when
    each send began (CLOCK_MONOTONIC)."""

    settings: Settings
    sent: dict[int, float] = field(default_factory=dict)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        producer = kafka.producer(self.settings)
        await producer.start()
        try:
            sequence = 0
            while not self._stop.is_set():
                began = time.monotonic()
                await producer.send_and_wait(PROBE_TOPIC, str(sequence).encode())
                self.sent[sequence] = began
                sequence += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), PROBE_INTERVAL)
        finally:
            await producer.stop()

    def stop(self) -> None:
        self._stop.set()


async def _alert_budgets(api: httpx.AsyncClient, accounts: list[Account]) -> dict[UUID, str]:
    """A weekly budget of 1.00 alerting at 100 % only, per user."""
    budgets: dict[UUID, str] = {}
    body = {
        "category": ALERT_CATEGORY,
        "limit": "1.00",
        "period": "weekly",
        "alert_thresholds": [100],
    }
    for account in accounts:
        response = await api.post("/api/budget", json=body, headers=account.auth)
        if response.status_code != 201:
            raise RuntimeError(f"alert budget: {response.status_code} {response.text}")
        budgets[account.id] = response.json()["id"]
    return budgets


def _samples(
    accounts: list[Account], budgets: dict[UUID, str], count: int
) -> tuple[list[Call], list[AlertKey]]:
    """Each sample spends 5.00 of a 1.00 weekly budget in a week of its own (backdated), so
    every write crosses 100 % and raises exactly one `budget_exceeded`."""
    today = datetime.now(UTC).date()
    this_monday = today - timedelta(days=today.weekday())
    calls: list[Call] = []
    keys: list[AlertKey] = []
    for index in range(count):
        account = accounts[index % len(accounts)]
        monday: date = this_monday - timedelta(weeks=index // len(accounts) + 1)
        body = {
            "amount": "5.00",
            "type": "expense",
            "category": ALERT_CATEGORY,
            "occurred_at": datetime.combine(monday, clock(12), UTC).isoformat(),
        }
        calls.append(Call("POST", "/api/transaction", account.access, body))
        keys.append((str(account.id), budgets[account.id], monday.isoformat()))
    return calls, keys


async def measure(
    api: httpx.AsyncClient,
    host: str,
    port: int,
    accounts: list[Account],
    settings: Settings,
    *,
    rate: float,
    duration: float,
    connections: int,
    details: dict[str, Any],
) -> list[Figure]:
    budgets = await _alert_budgets(api, accounts)
    calls, keys = _samples(accounts, budgets, max(50, round(rate * duration)))
    await kafka.ensure_topics(settings.model_copy(update={"kafka_partitions": 1}), [PROBE_TOPIC])
    observer = Observer(settings)
    quick = Observer(settings, SHORT_FETCH_WAIT_MS)
    await observer.start()
    await quick.start()
    probe = Probe(settings)
    probing = asyncio.ensure_future(probe.run())
    try:
        acks = await run_paced(host, port, calls, rate=rate, connections=connections)
        probe.stop()
        await probing
        acked = {keys[a.index]: a.acked for a in acks if a.status == 201}
        for watching in (observer, quick):
            await watching.until(set(acked), set(probe.sent), SETTLE_WITHIN)
    finally:
        probe.stop()
        await observer.stop()
        await quick.stop()
    alert, broker = _latencies(observer, acked, probe.sent)
    quick_alert, quick_broker = _latencies(quick, acked, probe.sent)
    lost = len(acked) - len(alert)
    refused = len(acks) - len(acked)
    late = [a.acked - a.due for a in acks]
    details["write_to_alert"] = {
        "rate": rate,
        "samples": len(calls),
        "acknowledged": len(acked),
        "not_201": refused,
        "alerts_missing": lost,
        "alert_ms": _spread(alert),
        "broker_ms": _spread(broker),
        "broker_samples": len(broker),
        f"observer_with_fetch_wait_{SHORT_FETCH_WAIT_MS}ms": {
            "alert_ms": _spread(quick_alert),
            "broker_ms": _spread(quick_broker),
        },
        "write_answer_after_due_ms": _spread(late),
    }
    note = f"{len(alert)} alerts at {rate:.0f} writes/s, {len(broker)} broker probes"
    if lost or refused:
        note += f"; {refused} writes not 201, {lost} alerts missing after {SETTLE_WITHIN:.0f} s"
    compared = "broker produce->consume"
    name = "ack'd POST -> budget_exceeded on Kafka"
    return [
        Figure(
            f"{name} p50",
            percentile(alert, 0.5) * 1000,
            "ms",
            f"{compared} p50",
            percentile(broker, 0.5) * 1000,
        ),
        Figure(
            f"{name} p99",
            percentile(alert, 0.99) * 1000,
            "ms",
            f"{compared} p99",
            percentile(broker, 0.99) * 1000,
            Target("ratio", "<=", TARGET),
            note + "; observer and probe consumer: the project's consumer settings",
        ),
        Figure(
            f"{name} p99, {SHORT_FETCH_WAIT_MS} ms fetch wait",
            percentile(quick_alert, 0.99) * 1000,
            "ms",
            f"{compared} p99, same wait",
            percentile(quick_broker, 0.99) * 1000,
            note=(
                f"observer and probe consumer with fetch_max_wait_ms={SHORT_FETCH_WAIT_MS}: the "
                "embedded broker answers a fetch when its wait is over, not when data arrives"
            ),
        ),
    ]


def _latencies(
    observer: Observer, acked: dict[AlertKey, float], sent: dict[int, float]
) -> tuple[list[float], list[float]]:
    """Seconds from each 201 to its alert, and from each probe's send to its arrival."""
    alert = [observer.alerts[k] - t for k, t in acked.items() if k in observer.alerts]
    broker = [observer.probes[s] - t for s, t in sent.items() if s in observer.probes]
    return alert, broker


def _spread(seconds: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(seconds, 0.5) * 1000,
        "p90": percentile(seconds, 0.9) * 1000,
        "p99": percentile(seconds, 0.99) * 1000,
        "max": max(seconds, default=float("nan")) * 1000,
    }
