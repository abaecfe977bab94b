"""Recurring series (adapters/recurring.py), and on transactions the series and due date each
occurrence is for: unique, so that a due date is written once."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0007_roles_admin")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RecurringSeries",
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
                        related_name="recurring",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("amount", fields.DecimalField(max_digits=14, decimal_places=2)),
                ("type", fields.CharField(max_length=8)),
                ("category", fields.CharField(max_length=64)),
                ("description", fields.CharField(null=True, max_length=500)),
                (
                    "goal",
                    fields.ForeignKeyField(
                        "ledgerflow.Goal",
                        source_field="goal_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="recurring",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("cadence", fields.CharField(max_length=8)),
                ("starts_on", fields.DateField()),
                ("ends_on", fields.DateField(null=True)),
                ("partition", fields.IntField()),
                ("done_through", fields.DateField(null=True)),
                ("next_due", fields.DateField(null=True)),
                ("reminded_for", fields.DateField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "recurring_series",
                "app": "ledgerflow",
                "indexes": [
                    Index(fields=["partition", "next_due"]),
                    Index(fields=["user_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A recurring transaction: its rule, and how far the shard owning its user has carried it",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Transaction",
            name="due_date",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Transaction",
            name="recurring_id",
            field=fields.UUIDField(null=True),
        ),
        ops.AddConstraint(
            model_name="Transaction",
            constraint=UniqueConstraint(fields=("recurring_id", "due_date"), name=None),
        ),
    ]
