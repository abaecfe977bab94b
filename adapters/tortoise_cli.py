"""Tortoise's own command line, pointed at ledgerflow's models and migrations.

`python -m tortoise -c adapters.tortoise_cli.CONFIG makemigrations -n NAME` needs no database;
`migrate` and `history` use DATABASE_URL. Kept apart from adapters.database so that importing
the database adapter reads no settings.
"""

from adapters.config import Settings
from adapters.database import tortoise_config

CONFIG = tortoise_config(Settings().database_url or "postgres://postgres@127.0.0.1:5432/postgres")
