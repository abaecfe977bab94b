"""`ledgerflow up` starts the whole system in the foreground; `ledgerflow status` reports on it;
`ledgerflow admin grant|revoke EMAIL` changes a user's role, while it runs or not."""

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import psutil
from pydantic import ValidationError

from actors.domain.roles import Role
from adapters import logs, processes
from adapters.config import Misconfigured, Settings
from serve import ray_environment

STATE_FILE = "up.json"


def _say(message: str) -> None:
    # One write per line: parts of the start say what they do from threads of their own.
    sys.stdout.write(f"[ledgerflow] {message}\n")
    sys.stdout.flush()


def up(host: str, port: int) -> int:
    began = time.monotonic()
    # Whatever this run starts stays below it, even once orphaned, until it ends it at the stop.
    processes.adopt_orphans()
    try:
        settings = Settings()
    except ValidationError as error:  # it names each setting and what is wrong with it
        _say(f"cannot start: {error}")
        return 2
    logs.configure(settings.log_format, logging.WARNING)  # the console says what happens
    if settings.ray_address is None:
        ray_environment.keep_local_ray_on_loopback()
    from actors.actor_loop import ActorFailed
    from serve import system  # import ray

    signals: list[int] = []

    def record(signum: int, _frame: object) -> None:
        # Only recorded: taking a lock in a handler can deadlock with the main thread holding it,
        # so the main thread looks at the record between short sleeps.
        signals.append(signum)

    def interrupt(signum: int, frame: object) -> None:
        # While starting, the first signal interrupts the start (which stops what it began);
        # later ones must not cut that clean-up short.
        _on_signals(record)
        record(signum, frame)
        raise KeyboardInterrupt

    _on_signals(interrupt)
    running = None
    try:
        running = system.start(settings, host=host, port=port, say=_say)
        _on_signals(record)
        state_path = running.settings.home / STATE_FILE
        parts = running.parts()
        state_path.write_text(json.dumps({"pid": _own_pid(), "parts": parts}, indent=2))
        _say(f"ready in {time.monotonic() - began:.1f} s")
        for name, where in parts.items():
            print(f"  {name:<10} {where}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not signals:
            time.sleep(0.2)
    except (KeyboardInterrupt, SystemExit):  # SystemExit: Ray's SIGTERM handler in ray.init
        pass  # the start has stopped what it began
    # A configuration that cannot work: topics with other partition counts, a placement that no
    # node can host, embedded servers for a cluster.
    except (ActorFailed, Misconfigured) as error:
        _say(f"cannot start: {error}")
        return 1
    finally:
        _on_signals(record)
        if running is not None:
            _say("shutting down")
            (running.settings.home / STATE_FILE).unlink(missing_ok=True)
            running.stop(_say)
        # Ray leaves some of its processes running (its HAProxy above all, holding the API port).
        if left := processes.end_descendants():
            _say(f"ended what was left running: {', '.join(left)}")
        _say("stopped")
    return 0 if running is not None else 128 + (signals[0] if signals else signal.SIGTERM)


def _on_signals(handler: Callable[..., None]) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handler)


def _own_pid() -> int:
    return psutil.Process().pid


def status() -> int:
    settings = Settings()
    state_path = settings.home.resolve() / STATE_FILE
    if not state_path.exists():
        print(f"not running (no {state_path})")
        return 1
    state = json.loads(state_path.read_text())
    if not psutil.pid_exists(state["pid"]):
        print(f"not running (the process {state['pid']} that started it is gone)")
        return 1
    print(f"running (pid {state['pid']})")
    for name, where in state["parts"].items():
        print(f"  {name:<10} {where}")
    api = state["parts"]["api"]
    print(f"  api health {_health(api)}")
    print(f"  actors     {_readiness(api)}")
    return 0


def _health(api: str) -> str:
    try:
        with urllib.request.urlopen(f"{api}/api/health", timeout=3) as response:
            return "ok" if response.status == 200 else f"HTTP {response.status}"
    except OSError as error:
        return f"not answering ({error})"


def _readiness(api: str) -> str:
    try:
        with urllib.request.urlopen(f"{api}/api/ready", timeout=5):
            return "ready"
    except urllib.error.HTTPError as error:  # 503 while actors start: it names them
        waiting = json.loads(error.read() or b"{}").get("waiting_for", [])
        return f"starting, waiting for {', '.join(waiting) or 'the API'}"
    except OSError as error:
        return f"not answering ({error})"


def admin(action: str, email: str) -> int:
    """Give or take the admin role, in the database of `up`: DATABASE_URL, or the home's embedded
    PostgreSQL (the running one if `up` runs, else started for this and stopped after)."""
    from serve import system

    role = Role.ADMIN if action == "grant" else Role.USER
    settings = Settings()
    if settings.database_url is not None:
        return asyncio.run(_set_role(settings.database_url, email, role))
    postgres = system.embedded_postgres(settings.home.resolve(), _say)
    database_url = postgres.start()
    try:
        return asyncio.run(_set_role(database_url, email, role))
    finally:
        if not postgres.reused:
            _say("stopping the embedded PostgreSQL")
            postgres.stop()


async def _set_role(database_url: str, email: str, role: Role) -> int:
    from actors.domain.errors import NotFound
    from adapters import database, users
    from adapters.audit import Actor

    await database.migrate(database_url)  # a no-op unless this home was never started
    await database.connect(database_url, pool_size=1)
    try:
        user = await users.set_role(email, role, Actor.command_line())
    except NotFound as error:
        print(f"ledgerflow: {error}", file=sys.stderr)
        return 1
    finally:
        await database.disconnect()
    _say(f"{user.email} now has the role {role}, from their next login or token refresh")
    return 0


def main(argv: list[str] | None = None) -> int:
    logs.configure("text", logging.WARNING)
    parser = argparse.ArgumentParser(prog="ledgerflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start everything in the foreground")
    start.add_argument("--http-host", default="127.0.0.1")
    start.add_argument("--http-port", type=int, default=8000)
    commands.add_parser("status", help="say what is running")
    roles = commands.add_parser("admin", help="give or take a user's admin role")
    changes = roles.add_subparsers(dest="action", required=True)
    for action, meaning in (("grant", "make the user an admin"), ("revoke", "make them a user")):
        changes.add_parser(action, help=meaning).add_argument("email")
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args.http_host, args.http_port)
    if args.command == "admin":
        return admin(args.action, args.email)
    return status()


if __name__ == "__main__":
    sys.exit(main())
