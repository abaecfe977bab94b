"""The system's own Prometheus metrics, defined once, recorded by the actors and the gateway
through Ray's metrics system (`ray.util.metrics`), and exported by every Ray node's metrics
agent at its metrics export port. The agent names them `ray_<name>`, and a counter
`ray_<name>_total` (see EXPORTED); adapters/observability holds the scrape configuration and the
Grafana dashboard that read them."""

import math
import time
from collections.abc import Mapping
from functools import cache

import ray
from ray.util import metrics

#: What the exporter prints for each of our metrics, as the dashboard must name them.
EXPORTED = {
    "ledgerflow_events_applied": "ray_ledgerflow_events_applied_total",
    "ledgerflow_alerts": "ray_ledgerflow_alerts_total",
    "ledgerflow_dead_letters": "ray_ledgerflow_dead_letters_total",
    "ledgerflow_notifications": "ray_ledgerflow_notifications_total",
    "ledgerflow_outbox_published": "ray_ledgerflow_outbox_published_total",
    "ledgerflow_consumer_lag": "ray_ledgerflow_consumer_lag",
    "ledgerflow_outbox_pending": "ray_ledgerflow_outbox_pending",
    "ledgerflow_request_seconds": "ray_ledgerflow_request_seconds_bucket",
}

REQUEST_SECONDS_BOUNDARIES = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]


class GaugeRefresh:
    """When a gauge must be set again, even to the same value: Ray forgets a gauge that is not
    set within about two of its export intervals (`metrics_report_interval_ms`: 10 s unless
    RAY_metrics_report_interval_ms says otherwise). Every half interval (`every` seconds), the
    first time at once."""

    def __init__(self) -> None:
        self.every: float = ray._config.metrics_report_interval_ms() / 2000
        self._set_at = -math.inf

    def due(self) -> bool:
        return time.monotonic() - self._set_at >= self.every

    def done(self) -> None:
        self._set_at = time.monotonic()


class _Metrics:
    """Created in the process that records them (an actor, a replica), once Ray runs there."""

    def __init__(self) -> None:
        self.events_applied = metrics.Counter(
            "ledgerflow_events_applied",
            description="Ledger events a shard has taken and committed, by shard and type.",
            tag_keys=("shard", "type"),
        )
        self.alerts = metrics.Counter(
            "ledgerflow_alerts",
            description="Alerts the ledger shards raised, by type.",
            tag_keys=("type",),
        )
        self.dead_letters = metrics.Counter(
            "ledgerflow_dead_letters",
            description="Records sent to a dead-letter topic, by the actor and the topic.",
            tag_keys=("source", "topic"),
        )
        self.notifications = metrics.Counter(
            "ledgerflow_notifications",
            description="Messages by channel and outcome: sent, retried, dead_lettered,"
            " suppressed.",
            tag_keys=("channel", "outcome"),
        )
        self.outbox_published = metrics.Counter(
            "ledgerflow_outbox_published",
            description="Events the outbox relay has published to Kafka.",
        )
        self.consumer_lag = metrics.Gauge(
            "ledgerflow_consumer_lag",
            description="Records a consumer has still to read, by consumer, topic and partition.",
            tag_keys=("consumer", "topic", "partition"),
        )
        self.outbox_pending = metrics.Gauge(
            "ledgerflow_outbox_pending",
            description="Events committed to the outbox and not yet published.",
        )
        self.request_seconds = metrics.Histogram(
            "ledgerflow_request_seconds",
            description="Time the gateway took to answer, by route, method and status.",
            boundaries=REQUEST_SECONDS_BOUNDARIES,
            tag_keys=("route", "method", "status"),
        )


@cache
def _metrics() -> _Metrics:
    return _Metrics()


def _count(counter: metrics.Counter, counts: Mapping[str, int], key: str, **tags: str) -> None:
    for value, count in counts.items():
        if count > 0:
            counter.inc(count, tags={**tags, key: value})


def events_applied(shard: str, by_type: Mapping[str, int]) -> None:
    _count(_metrics().events_applied, by_type, "type", shard=shard)


def alerts(by_type: Mapping[str, int]) -> None:
    _count(_metrics().alerts, by_type, "type")


def dead_letters(source: str, by_topic: Mapping[str, int]) -> None:
    _count(_metrics().dead_letters, by_topic, "topic", source=source)


def notifications(channel: str, outcome: str, count: int = 1) -> None:
    _count(_metrics().notifications, {outcome: count}, "outcome", channel=channel)


def outbox_published(count: int) -> None:
    if count > 0:
        _metrics().outbox_published.inc(count)


def consumer_lag(consumer: str, lags: Mapping[tuple[str, int], int]) -> None:
    gauge = _metrics().consumer_lag
    for (topic, partition), lag in lags.items():
        gauge.set(lag, tags={"consumer": consumer, "topic": topic, "partition": str(partition)})


def outbox_pending(count: int) -> None:
    _metrics().outbox_pending.set(count)


def request(route: str, method: str, status: int, seconds: float) -> None:
    _metrics().request_seconds.observe(
        seconds, tags={"route": route, "method": method, "status": str(status)}
    )
