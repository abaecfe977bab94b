"""Migrations keep what is stored: a database deployed before a rename comes through with its
data, on a scratch database of the test server."""

from collections.abc import AsyncIterator
from urllib.parse import urlsplit
from uuid import uuid4

import asyncpg
import pytest
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from adapters import database
from adapters.database import credentials, tortoise_config


@pytest.fixture
async def scratch_url(database_url: str) -> AsyncIterator[str]:
    name = f"ledgerflow_migrations_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(**credentials(database_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield urlsplit(database_url)._replace(path=f"/{name}").geturl()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_users_ledger_number_survives_the_rename_to_sequence(scratch_url: str) -> None:
    async with TortoiseContext():
        await tortoise_migrate(
            config=tortoise_config(scratch_url, pool_size=1),
            target="ledgerflow.0004_outbox_notify_trigger",
        )
    user = uuid4()
    connection = await asyncpg.connect(**credentials(scratch_url))
    try:
        await connection.execute(
            "INSERT INTO users (id, name, email, email_key, timezone, notifications,"
            " password_hash, created_at, updated_at, ledger_version)"
            " VALUES ($1, 'Ann', 'ann@example.com', 'ann@example.com', 'UTC', '{}', 'x',"
            " now(), now(), 41)",
            user,
        )
        await database.migrate(scratch_url)
        assert await connection.fetchval("SELECT sequence FROM users WHERE id = $1", user) == 41
    finally:
        await connection.close()
