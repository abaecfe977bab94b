"""Budget rollover: what a budget carries from one period to the next, and from when."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("ledgerflow", "0008_recurring")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Budget",
            name="rollover",
            field=fields.CharField(default="none", db_default="none", max_length=24),
        ),
        ops.AddField(
            model_name="Budget",
            name="starts_on",
            field=fields.DateField(null=True),
        ),
    ]
