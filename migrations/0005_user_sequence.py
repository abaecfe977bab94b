"""Rename users.ledger_version to users.sequence: one name for the user's ledger sequence number."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0004_outbox_notify_trigger")]

    initial = False

    operations = [
        ops.RenameField(
            model_name="User",
            old_name="ledger_version",
            new_name="sequence",
        ),
    ]
