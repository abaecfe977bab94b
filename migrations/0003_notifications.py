from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0002_ledger")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Delivery",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("event_id", fields.UUIDField()),
                ("event_type", fields.CharField(max_length=64)),
                ("user_id", fields.UUIDField()),
                ("channel", fields.CharField(max_length=16)),
                ("recipient", fields.CharField(max_length=254)),
                ("state", fields.CharField(max_length=16)),
                ("subject", fields.CharField(max_length=255)),
                ("text", fields.TextField(unique=False)),
                ("html", fields.TextField(null=True, unique=False)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_error", fields.TextField(null=True, unique=False)),
                ("provider_id", fields.CharField(null=True, max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "deliveries",
                "app": "ledgerflow",
                "unique_together": (("event_id", "channel", "recipient"),),
                "indexes": [
                    Index(fields=["channel", "state", "next_attempt_at"]),
                    Index(fields=["user_id", "channel", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "The delivery log: one message per event, channel and recipient, claimed before sending.",
            },
            bases=["Model"],
        ),
    ]
