"""What Ray reads from the environment: where a local Ray listens, and Serve's fast mode."""

import ipaddress
import os
from pathlib import Path

from adapters.embedded import free_port
from serve import haproxy

#: Ray's one-machine mode (its default on macOS and Windows): the node's address is 127.0.0.1, so
#: the GCS, the raylet, every worker's gRPC server, the dashboard agent, the runtime-env agent and
#: the metrics exporters listen on loopback. Ray reads it once, when it is imported.
LOOPBACK_NODE = ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
METRICS_REPORT_INTERVAL = "RAY_metrics_report_interval_ms"
#: How often each Serve replica and router hands its cached request metrics to Ray's: every
#: 100 ms by default, ten wake-ups a second in each, while Ray exports them every 10 s.
SERVE_METRICS_INTERVAL = ("RAY_SERVE_METRICS_EXPORT_INTERVAL_MS", "1000")
HA_PROXY_PORTS = (
    "RAY_SERVE_FALLBACK_PROXY_HTTP_PORT",
    "RAY_SERVE_FALLBACK_PROXY_GRPC_PORT",
    "RAY_SERVE_HAPROXY_METRICS_PORT",
    "RAY_SERVE_HAPROXY_STATS_PORT",
)


def keep_local_ray_on_loopback() -> None:
    """For a Ray this process starts itself (one machine, nothing joins it); call it before
    anything imports ray."""
    os.environ.setdefault(*LOOPBACK_NODE)


def report_metrics_every(milliseconds: int) -> None:
    """How often every Ray process hands its metrics to its node's exporter (Ray's default:
    10 s); call it before starting Ray."""
    os.environ.setdefault(METRICS_REPORT_INTERVAL, str(milliseconds))


def keep_serve_metrics_idle() -> None:
    """Serve's request metrics handed over once a second, not ten times: read by the replicas,
    which inherit this process's environment; call it before starting Ray."""
    os.environ.setdefault(*SERVE_METRICS_INTERVAL)


def use_fast_mode(home: Path, api_host: str) -> None:
    """Serve's throughput-optimised mode with the HAProxy ingress, read by Serve's controller and
    proxy, which inherit this process's environment: call it before starting Ray."""
    os.environ.setdefault("RAY_SERVE_THROUGHPUT_OPTIMIZED", "1")
    os.environ.setdefault("RAY_SERVE_ENABLE_HA_PROXY", "1")
    # HAProxy mode listens on fixed default ports besides the API's: take free ones.
    for port_variable in HA_PROXY_PORTS:
        os.environ.setdefault(port_variable, str(free_port()))
    # HAProxy writes each client's address into X-Forwarded-For; the gateway's uvicorn believes
    # that header from HAProxy on the same node, as it trusts loopback by default.
    haproxy.install(home, None if _every_interface(api_host) else api_host)


def use_serve_proxy() -> None:
    """Serve's own proxy is the edge: it believes no client's X-Forwarded-For, not even from
    loopback (uvicorn's default), unless the operator names a proxy in front of it."""
    os.environ.setdefault("FORWARDED_ALLOW_IPS", "")


def _every_interface(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host in ("", "*")
