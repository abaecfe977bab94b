"""Throttle buckets: attempts counted per rule and subject in one atomic statement each
(adapters/throttle_buckets.py); they replace the per-e-mail failed-login counts."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0005_user_sequence")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ThrottleBucket",
            fields=[
                (
                    "key",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("attempts", fields.IntField()),
                (
                    "last_attempt_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "locked_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "throttle_buckets",
                "app": "ledgerflow",
                "pk_attr": "key",
                "table_description": "Attempts counted by one throttling rule for one subject; the key hashes both.",
            },
            bases=["Model"],
        ),
        ops.DeleteModel(name="LoginFailures"),
    ]
