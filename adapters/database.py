"""PostgreSQL through tortoise-orm: configuration, connection and migrations."""

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
from tortoise import Tortoise, connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

APP = "ledgerflow"
MODELS = ["adapters.models"]
MIGRATION_LOCK = 0x1ED6E5F10  # any application-wide bigint


def credentials(database_url: str) -> dict[str, Any]:
    """Split a postgres:// URL, including a Unix-socket directory given as ?host=."""
    url = urlsplit(database_url)
    if url.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL must be a postgres:// URL, not {url.scheme}://")
    query = {key: values[-1] for key, values in parse_qs(url.query).items()}
    return {
        "host": query.pop("host", None) or url.hostname or "127.0.0.1",
        "port": url.port or int(query.pop("port", 5432)),
        "user": unquote(url.username or "postgres"),
        "password": unquote(url.password or ""),
        "database": url.path.lstrip("/") or "postgres",
    }


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """What a pooled connection needs on its release, beyond the rollback of a transaction left
    open (asyncpg's own, no round trip): nothing. Its default reset costs a round trip per
    release (every request) to undo session state that this application never sets on a pooled
    connection: no LISTEN (adapters/listener.py has its own connection), no session advisory
    lock (the migration's has its own), no SET, no cursor."""


def tortoise_config(database_url: str, *, pool_size: int = 10) -> dict[str, Any]:
    pool = {"minsize": 1, "maxsize": pool_size, "reset": _keep_session}
    return {
        "connections": {
            "default": {
                "engine": "tortoise.backends.asyncpg",
                "credentials": credentials(database_url) | pool,
            }
        },
        "apps": {
            APP: {"models": MODELS, "migrations": "migrations", "default_connection": "default"}
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def connect(database_url: str, *, pool_size: int = 10) -> None:
    # Ray runs each actor or replica method as its own task, and tortoise keeps connections in
    # a ContextVar: the global fallback lets every task of the process see them.
    await Tortoise.init(
        config=tortoise_config(database_url, pool_size=pool_size), _enable_global_fallback=True
    )


async def ping() -> None:
    """One round trip: connecting is lazy, and this says whether the server answers."""
    await connections.get("default").execute_query("SELECT 1")


async def migrate(database_url: str) -> None:
    """Apply every migration not applied yet; a no-op when the schema is current.

    Tortoise takes no lock of its own: two processes migrating at once collide, so an advisory
    lock serialises them, and a context of its own keeps the app's connections out of it.
    """
    lock = await asyncpg.connect(**credentials(database_url))
    try:
        await lock.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        async with TortoiseContext():
            await tortoise_migrate(config=tortoise_config(database_url, pool_size=2))
    finally:
        await lock.close()  # ending the session releases the lock


async def disconnect() -> None:
    await Tortoise.close_connections()
