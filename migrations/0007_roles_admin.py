"""Operators: a role and a lock on each user, the dead letters an admin lists and replays, and
the audit log of admin actions."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0006_throttle_buckets")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEntry",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("actor", fields.CharField(max_length=254)),
                ("actor_id", fields.UUIDField(null=True)),
                ("action", fields.CharField(max_length=32)),
                ("target", fields.CharField(max_length=254)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "audit_log",
                "app": "ledgerflow",
                "indexes": [Index(fields=["created_at", "id"])],
                "pk_attr": "id",
                "table_description": "One admin action: who did what to which target, and when.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DeadLetterRecord",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("topic", fields.CharField(max_length=128)),
                ("reason", fields.TextField(unique=False)),
                ("key", fields.BinaryField(null=True)),
                ("value", fields.BinaryField()),
                ("delivery_id", fields.BigIntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "replayed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "dead_letters",
                "app": "ledgerflow",
                "indexes": [Index(fields=["created_at", "id"])],
                "pk_attr": "id",
                "table_description": "A record a consumer or a courier gave up on, written in the transaction that staged it",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="User",
            name="locked_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="User",
            name="role",
            field=fields.CharField(default="user", db_default="user", max_length=16),
        ),
    ]
