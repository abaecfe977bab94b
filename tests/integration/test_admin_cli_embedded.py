"""`ledgerflow admin grant|revoke` on embedded defaults: it uses the home's PostgreSQL that is
running (as under `ledgerflow up`) and leaves it running, or starts it and stops it after."""

import asyncio
import sys
from pathlib import Path
from uuid import uuid4

import asyncpg

from adapters import database
from adapters.database import credentials
from adapters.embedded import EmbeddedPostgres
from tests.ledgerflow_up import embedded_defaults

EMAIL = "operator-made@example.com"


async def _ledgerflow_admin(home: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "serve.cli",
        "admin",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=embedded_defaults(home),
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def _role(url: str) -> str:
    connection = await asyncpg.connect(**credentials(url))
    try:
        return str(await connection.fetchval("SELECT role FROM users WHERE email_key = $1", EMAIL))
    finally:
        await connection.close()


async def test_the_home_database_is_used_running_or_started_for_the_command(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    postgres = EmbeddedPostgres(home)
    url = await asyncio.to_thread(postgres.start)
    try:
        await database.migrate(url)
        connection = await asyncpg.connect(**credentials(url))
        try:
            await connection.execute(
                "INSERT INTO users (id, name, email, email_key, timezone, notifications,"
                " password_hash, created_at, updated_at)"
                " VALUES ($1, 'Op', $2, $2, 'UTC', '{}', 'x', now(), now())",
                uuid4(),
                EMAIL,
            )
        finally:
            await connection.close()

        code, out = await _ledgerflow_admin(home, "grant", EMAIL)
        assert code == 0, out
        assert "using the embedded PostgreSQL already running" in out
        assert postgres.is_running()  # not ours to stop
        assert await _role(url) == "admin"
    finally:
        await asyncio.to_thread(postgres.stop)

    code, out = await _ledgerflow_admin(home, "revoke", EMAIL)
    assert code == 0, out
    assert "stopping the embedded PostgreSQL" in out
    assert not postgres.is_running()
    url = await asyncio.to_thread(postgres.start)
    try:
        assert await _role(url) == "user"
    finally:
        await asyncio.to_thread(postgres.stop)
