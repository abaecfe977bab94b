"""Wake the outbox relay from the database itself: every statement that adds outbox rows
notifies the channel, delivered at commit, so writers spend no round trip on NOTIFY.
Next: actors/outbox_relay.py."""

from tortoise import migrations
from tortoise.migrations import operations as ops

CREATE = """
CREATE FUNCTION ledgerflow_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ledgerflow_outbox', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerflow_outbox_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS outbox_notify ON outbox;
DROP FUNCTION IF EXISTS ledgerflow_outbox_notify();
"""


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0003_notifications")]

    initial = False

    operations = [ops.RunSQL(CREATE, reverse_sql=DROP)]
