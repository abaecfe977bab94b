"""`ledgerflow up` on embedded defaults, as a person or a service manager runs it: start, use,
stop it with its whole process group, start again on the same port at once; what it listens on;
and a start cut short."""

import asyncio
import contextlib
import ipaddress
import json
import signal
import socket
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from adapters.embedded import free_port
from tests.eventually import eventually
from tests.ledgerflow_up import Up, embedded_defaults, running

#: Ray binds each Serve replica's inter-deployment gRPC server on `[::]:0` in its code, with no
#: setting (the README says so): one such port per replica, and no other outside loopback.
REPLICAS = [
    "ray::ServeReplica:ledgerflow:gateway",
    "ray::ServeReplica:ledgerflow:tokens",
    "ray::ServeReplica:ledgerflow:users",
]


def _processes_using(home: Path) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if str(home) in " ".join(process.info["cmdline"] or []):
                found.append(" ".join(process.info["cmdline"]))
    return found


def _loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _listening_outside_loopback(up: Up) -> tuple[list[str], set[str]]:
    """The names of the processes below `up` with a listening socket outside loopback (one entry
    per socket), and the names of all the processes that listen."""
    outside: list[str] = []
    listeners: set[str] = set()
    for process in up.seen.values():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            sockets = [
                c for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
            ]
            if sockets:
                listeners.add(process.name())
            outside += [process.name() for c in sockets if not _loopback(c.laddr.ip)]
    return sorted(outside), listeners


def _part(up: Up, name: str) -> str:
    """What `up` says of one part: the rest of its line."""
    return next(line for line in up.lines if line.startswith(f"  {name} ")).split(None, 1)[1]


async def _logged_as_json(up: Up, event: str, **fields: str) -> bool:
    """A line of an actor's, as Ray passes it on to `up`'s console ("(Actor pid=...) {...}"),
    that is one JSON object for the event."""
    for line in up.lines:
        _, brace, rest = line.partition("{")
        if brace and f'"event": "{event}"' in line:
            record = json.loads(brace + rest)
            if fields.items() <= record.items() and record["level"] == "info":
                return True
    return False


def _name(process: psutil.Process) -> str:
    with contextlib.suppress(psutil.Error):
        return process.name()
    return ""


async def _orphan_haproxy(up: Up) -> psutil.Process:
    """Kill the raylet and the actor running HAProxy, as a crash of Ray's node would; return the
    HAProxy left behind once it is re-parented to `up`."""
    up.note_descendants()
    raylet = next(p for p in up.seen.values() if _name(p) == "raylet")
    manager = next(p for p in raylet.children() if _name(p) == "ray::HAProxyManager")
    haproxy = next(p for p in manager.children() if _name(p) == "haproxy")
    raylet.kill()
    manager.kill()

    async def adopted() -> bool:
        return haproxy.ppid() == up.process.pid

    await eventually(adopted)
    return haproxy


async def _welcome_written(home: Path, email: str) -> bool:
    return any(f"To: {email}" in path.read_text() for path in (home / "outbox").glob("*.eml"))


async def _status(home: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "serve.cli",
        "status",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=embedded_defaults(home),
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


@pytest.mark.e2e
async def test_up_on_loopback_stops_with_its_group_and_starts_again_on_the_same_port(
    tmp_path: Path,
) -> None:
    home, port = tmp_path / "home", free_port()
    email, password = "first-run@example.com", "velvet otter quilt"
    async with running(home, port) as up:
        await up.ready()
        output = "\n".join(up.lines)
        for part in ("api", "docs", "dashboard", "metrics", "database", "kafka", "email", "sms"):
            assert f"  {part}" in output
        assert "`ray get-auth-token` prints it" in _part(up, "dashboard")
        metrics_url = _part(up, "metrics").split()[0]
        assert f"written to {home.resolve() / 'outbox'}/*.eml" in output
        assert f"http://127.0.0.1:{port}" in output
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
            docs = await api.get("/docs")
            assert docs.status_code == 200

            async def scraped() -> bool:  # what Prometheus scrapes: Serve's metrics among them
                metrics = await api.get(metrics_url)
                return metrics.status_code == 200 and "ray_serve_" in metrics.text

            await eventually(scraped)
            ready = await api.get("/api/ready")  # `up` says ready once every actor is
            assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
            created = await api.post(
                "/api/user/signup", json={"name": "F", "email": email, "password": password}
            )
            assert created.status_code == 201
        # Nothing configured: the welcome e-mail is a file a person can open.
        await eventually(lambda: _welcome_written(home, email), within=60)
        code, status = await _status(home)
        assert code == 0 and "running" in status and "api health ok" in status
        assert "actors     ready" in status, status

        up.note_descendants()
        outside, listeners = _listening_outside_loopback(up)
        assert outside == REPLICAS  # every other port of the system's is on loopback
        # ... and it saw what matters: the API's HAProxy, Ray's core and the broker.
        assert {"haproxy", "raylet", "gcs_server"} <= listeners, listeners
        assert any(name.startswith("tansu") for name in listeners), listeners

        # As a service manager stops a service: SIGTERM to every process of the group.
        assert await up.stop(signal.SIGTERM, group=True) == 0, "\n".join(up.lines[-20:])
    assert up.left_running() == [], "\n".join(up.lines[-20:])
    assert _processes_using(home) == []
    code, status = await _status(home)
    assert code == 1 and "not running" in status

    # At once, on the same port, with the documentation turned off and the logs in JSON.
    async with running(home, port, LEDGERFLOW_API_DOCS="0", LEDGERFLOW_LOG_FORMAT="json") as again:
        await again.ready()
        await eventually(lambda: _logged_as_json(again, "actor_ready", actor="messaging"))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
            login = await api.post("/api/user/login", json={"email": email, "password": password})
            assert login.status_code == 200
            for path in ("/docs", "/redoc", "/openapi.json"):
                hidden = await api.get(path)
                assert hidden.status_code == 404, path
                assert hidden.headers["X-Content-Type-Options"] == "nosniff"
        # Ray's node crashes (raylet and HAProxy's manager killed): Ray leaves its HAProxy
        # running, now an orphan, which `up` has adopted.
        haproxy = await _orphan_haproxy(again)
        # Ctrl-C in a terminal: SIGINT to the foreground process group.
        assert await again.stop(signal.SIGINT, group=True) == 0, "\n".join(again.lines[-20:])
    output = "\n".join(again.lines[-20:])
    assert f"haproxy (pid {haproxy.pid})" in output, output
    assert again.left_running() == [], output
    assert _processes_using(home) == []
    with socket.create_server(("127.0.0.1", port)):
        pass  # the API's port is free again at once


@pytest.mark.e2e
async def test_up_stopped_while_ray_starts_leaves_nothing_running(tmp_path: Path) -> None:
    home = tmp_path / "home"
    async with running(home, free_port()) as up:

        async def ray_is_starting() -> bool:
            up.note_descendants()
            assert up.process.returncode is None, "\n".join(up.lines)
            return any(_name(p) == "raylet" for p in up.seen.values())

        # By then the embedded PostgreSQL and broker run, and Ray is on its way up.
        await eventually(ray_is_starting, within=180)
        assert await up.stop(signal.SIGTERM, group=True) == 128 + signal.SIGTERM
    output = "\n".join(up.lines)
    assert "the start was cut short" in output and "Press Ctrl-C" not in output, output
    assert up.left_running() == [], output
    assert _processes_using(home) == []
