"""The outbox trigger notifies the relay only while it rests: a NOTIFY makes PostgreSQL take a
lock that serialises the commits of every transaction that notified, so under traffic, while
the relay looks for rows on its own, writers commit without one. Next: actors/outbox_relay.py."""

from tortoise import migrations
from tortoise.migrations import operations as ops

# The shared advisory lock (held to commit) is what lets the relay, going to rest, wait for
# the writers that read the flag before it was set: once it holds the lock alone, their rows
# are committed and it finds them; every writer after reads the flag set and notifies.
CREATE = """
CREATE TABLE outbox_relay (resting boolean NOT NULL);
INSERT INTO outbox_relay (resting) VALUES (true);
CREATE OR REPLACE FUNCTION ledgerflow_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(8301507345);
    IF (SELECT resting FROM outbox_relay LIMIT 1) THEN
        PERFORM pg_notify('ledgerflow_outbox', '');
    END IF;
    RETURN NULL;
END;
$$;
"""

DROP = """
CREATE OR REPLACE FUNCTION ledgerflow_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ledgerflow_outbox', '');
    RETURN NULL;
END;
$$;
DROP TABLE IF EXISTS outbox_relay;
"""


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0009_budget_rollover")]

    initial = False

    operations = [ops.RunSQL(CREATE, reverse_sql=DROP)]
