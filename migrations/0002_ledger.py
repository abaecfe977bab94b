from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Budget",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "ledgerflow.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="budgets",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("category", fields.CharField(max_length=64)),
                ("period", fields.CharField(max_length=8)),
                ("limit", fields.DecimalField(max_digits=14, decimal_places=2)),
                (
                    "alert_thresholds",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "budgets",
                "app": "ledgerflow",
                "unique_together": (("user", "category", "period"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ConsumerOffset",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("consumer", fields.CharField(max_length=64)),
                ("topic", fields.CharField(max_length=128)),
                ("partition", fields.IntField()),
                ("offset", fields.BigIntField()),
            ],
            options={
                "table": "consumer_offsets",
                "app": "ledgerflow",
                "unique_together": (("consumer", "topic", "partition"),),
                "pk_attr": "id",
                "table_description": "The next offset a consumer will read, committed together with the state it produced.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Goal",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "ledgerflow.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="goals",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("target_amount", fields.DecimalField(max_digits=14, decimal_places=2)),
                ("deadline", fields.DateField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "goals", "app": "ledgerflow", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LedgerSnapshot",
            fields=[
                (
                    "user_id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("partition", fields.IntField(db_index=True)),
                ("state", fields.BinaryField()),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "ledger_snapshots",
                "app": "ledgerflow",
                "pk_attr": "user_id",
                "table_description": "A user's ledger as of the offsets stored beside it, written in the same transaction.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Transaction",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "ledgerflow.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="transactions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("amount", fields.DecimalField(max_digits=14, decimal_places=2)),
                ("type", fields.CharField(max_length=8)),
                ("category", fields.CharField(max_length=64)),
                ("description", fields.CharField(null=True, max_length=500)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("local_date", fields.DateField()),
                (
                    "goal",
                    fields.ForeignKeyField(
                        "ledgerflow.Goal",
                        source_field="goal_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="transactions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "transactions",
                "app": "ledgerflow",
                "indexes": [
                    Index(fields=["user_id", "occurred_at", "id"]),
                    Index(fields=["user_id", "local_date"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="User",
            name="ledger_version",
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]
