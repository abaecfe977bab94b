"""`ledgerflow up` on embedded defaults, as a person runs it: start, use, stop, start again."""

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from adapters.embedded import free_port
from tests.eventually import eventually
from tests.ledgerflow_up import embedded_defaults, running


def _processes_using(home: Path) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if str(home) in " ".join(process.info["cmdline"] or []):
                found.append(" ".join(process.info["cmdline"]))
    return found


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
async def test_up_serves_stops_cleanly_and_keeps_users(tmp_path: Path) -> None:
    home, port = tmp_path / "home", free_port()
    email, password = "first-run@example.com", "velvet otter quilt"
    async with running(home, port) as up:
        await up.ready()
        output = "\n".join(up.lines)
        for part in ("api", "docs", "dashboard", "database", "kafka", "email", "sms"):
            assert f"  {part}" in output
        assert f"written to {home.resolve() / 'outbox'}/*.eml" in output
        assert f"http://127.0.0.1:{port}" in output
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
            docs = await api.get("/docs")
            assert docs.status_code == 200
            created = await api.post(
                "/api/user/signup", json={"name": "F", "email": email, "password": password}
            )
            assert created.status_code == 201
        # Nothing configured: the welcome e-mail is a file a person can open.
        await eventually(lambda: _welcome_written(home, email), within=60)
        code, status = await _status(home)
        assert code == 0 and "running" in status and "api health ok" in status
        assert await up.stop() == 0
    assert _processes_using(home) == []
    code, status = await _status(home)
    assert code == 1 and "not running" in status

    async with running(home, port) as again:
        await again.ready()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
            login = await api.post("/api/user/login", json={"email": email, "password": password})
            assert login.status_code == 200
        assert await again.stop(signal.SIGTERM) == 0
    assert _processes_using(home) == []
