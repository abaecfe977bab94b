"""Integration tests for adapters.embedded: real PostgreSQL and Tansu processes in a tmp home."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from subprocess import PIPE

import asyncpg
import psutil
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.partitioner import DefaultPartitioner

from adapters import embedded
from adapters.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from tests.eventually import eventually

REPO = Path(__file__).resolve().parents[2]


def _gone(pid: int) -> bool:
    """Exited (a zombie waiting for PID 1 to reap it counts as exited)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    yield home
    EmbeddedPostgres(home).stop()  # safety net if a test failed half-way


async def test_postgres_start_connect_share_stop(pg_home: Path) -> None:
    pg = EmbeddedPostgres(pg_home)
    assert pg.needs_init
    url = await asyncio.to_thread(pg.start)
    assert pg.is_first_start and not pg.reused
    assert url.startswith("postgresql://postgres@/ledgerflow?host=")
    pid = pg.pid
    assert pid is not None

    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT current_database()") == "ledgerflow"
        await conn.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
    finally:
        await conn.close()
    # no TCP listener: the server is reachable only through the socket in its data dir
    sock = pg.socket_dir / ".s.PGSQL.5432"
    assert sock.is_socket() and pg.socket_dir == pg_home / "postgres"

    # Another process gets the same server, then dies without stopping it (SIGKILL).
    script = textwrap.dedent(
        f"""
        import json, os, signal
        from pathlib import Path
        from adapters.embedded import EmbeddedPostgres
        pg = EmbeddedPostgres(Path({str(pg_home)!r}))
        url = pg.start()
        print(json.dumps([pg.pid, pg.reused, pg.is_first_start, url]), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, cwd=REPO, stdout=PIPE, stderr=PIPE
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == -9, stderr.decode()
    assert json.loads(stdout) == [pid, True, False, url]
    assert pg.is_running()

    # A fresh handle in this process (as after a crash) re-attaches too.
    again = EmbeddedPostgres(pg_home)
    assert await asyncio.to_thread(again.start) == url
    assert again.reused and again.pid == pid

    # The postmaster itself is SIGKILLed (it stays a zombie until PID 1 reaps it, which blocks a
    # naive restart): start() clears the stale lock files and the server recovers.
    os.kill(pid, signal.SIGKILL)
    await eventually(lambda: asyncio.to_thread(_gone, pid), within=5)
    assert await asyncio.to_thread(pg.start) == url
    assert not pg.reused and pg.pid not in (None, pid)
    pid = pg.pid
    assert pid is not None

    await asyncio.to_thread(pg.stop)
    assert not pg.is_running() and pg.pid is None
    assert _gone(pid)
    assert not sock.exists()
    await asyncio.to_thread(pg.stop)  # idempotent

    # Restart: no initdb, data kept.
    await asyncio.to_thread(pg.start)
    assert not pg.is_first_start and not pg.reused
    conn = await asyncpg.connect(pg.url())
    try:
        assert await conn.fetchval("SELECT n FROM kept") == 42
    finally:
        await conn.close()
    await asyncio.to_thread(pg.stop)
    assert not pg.is_running()


# --------------------------------------------------------------------------- Kafka


async def test_broker_start_produce_consume_stop(tmp_path: Path) -> None:
    broker = EmbeddedBroker(tmp_path)
    bootstrap = await asyncio.to_thread(broker.start)
    try:
        host, port = bootstrap.split(":")
        assert host == "127.0.0.1" and _port_open(int(port))
        assert "listening on: tcp://127.0.0.1:" in (tmp_path / "broker.log").read_text()

        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            resp = await admin.create_topics([NewTopic("ledger.events", 3, 1)])
            assert [code for _, code, _ in resp.topic_errors] == [0]
        finally:
            await admin.close()

        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            meta = await producer.send_and_wait(
                "ledger.events", b'{"amount": 1}', key=b"user-7", headers=[("type", b"deposit")]
            )
        finally:
            await producer.stop()
        assert meta.partition == DefaultPartitioner()(b"user-7", [0, 1, 2], [0, 1, 2])

        tp = TopicPartition("ledger.events", meta.partition)
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign([tp])
            consumer.seek(tp, meta.offset)
            records = (await consumer.getmany(tp, timeout_ms=5000)).get(tp, [])
        finally:
            await consumer.stop()
        assert [(r.key, r.value, r.headers) for r in records] == [
            (b"user-7", b'{"amount": 1}', (("type", b"deposit"),))
        ]

        # a second handle on the same home re-attaches to the running broker
        other = EmbeddedBroker(tmp_path)
        assert await asyncio.to_thread(other.start) == bootstrap
        assert other.reused and other.pid == broker.pid
    finally:
        pid = broker.pid
        await asyncio.to_thread(broker.stop)
    assert pid is not None and _gone(pid)
    assert not broker.is_running()
    assert not _port_open(int(port))
    assert not (tmp_path / "broker.json").exists()


async def test_broker_retries_when_port_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        ports = iter([taken, free_port()])
        monkeypatch.setattr(embedded, "free_port", lambda host="127.0.0.1": next(ports))
        broker = EmbeddedBroker(tmp_path)
        bootstrap = await asyncio.to_thread(broker.start)
        try:
            assert bootstrap != f"127.0.0.1:{taken}"
            assert "AddrInUse" in (tmp_path / "broker.log").read_text()
        finally:
            await asyncio.to_thread(broker.stop)
