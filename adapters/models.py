"""Tortoise models: the PostgreSQL tables of ledgerflow."""

from typing import Any

from tortoise import fields
from tortoise.models import Model as TortoiseModel
from tortoise.models import ModelMeta


class _WithoutSourceComments(ModelMeta):
    """Tortoise reads each model's source file again (`inspect.getsource`, then a parse) for
    `#:` field comments, which these models do not use: 130 ms of every process's start that
    imports them (each actor and replica), for nothing. Its `_no_comments` flag skips it."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class Model(TortoiseModel, metaclass=_WithoutSourceComments):
    class Meta:
        abstract = True


class User(Model):
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254)
    # Lower-cased e-mail: uniqueness is case-insensitive, display keeps what the user typed.
    email_key = fields.CharField(max_length=254, unique=True)
    phone = fields.CharField(max_length=20, null=True)
    timezone = fields.CharField(max_length=64, default="UTC")
    notifications: dict[str, list[str]] = fields.JSONField(default=dict)
    password_hash = fields.CharField(max_length=255)
    # The user's ledger sequence number: each change to the ledger takes the next one (its
    # event's `sequence`), so the ledger applies them in commit order and a read can wait until
    # the ledger has caught up with the user's last write.
    sequence = fields.BigIntField(default=0, db_default=0)
    # Read at login and refresh into the access token's `role` claim (actors/domain/roles.py).
    role = fields.CharField(max_length=16, default="user", db_default="user")
    # Set by an admin: no login, no refresh, and every session revoked when it was set.
    locked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"


class ThrottleBucket(Model):
    """Attempts counted by one throttling rule for one subject; the key hashes both."""

    key = fields.CharField(max_length=64, primary_key=True)
    attempts = fields.IntField()
    last_attempt_at = fields.DatetimeField(db_index=True)
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "throttle_buckets"


class Session(Model):
    """One login: the family of refresh tokens rotated from it."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "ledgerflow.User", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True, db_index=True)
    revoked_reason = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "sessions"


class RefreshToken(Model):
    id = fields.UUIDField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "ledgerflow.Session", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refresh_tokens"


class OutboxEvent(Model):
    """An event committed with the change that caused it, published to Kafka by the relay."""

    seq = fields.BigIntField(primary_key=True)
    event_id = fields.UUIDField(unique=True)
    topic = fields.CharField(max_length=64)
    key = fields.CharField(max_length=64)
    value = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "outbox"


class Goal(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "ledgerflow.User", related_name="goals", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    target_amount = fields.DecimalField(max_digits=14, decimal_places=2)
    deadline = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "goals"


class Transaction(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "ledgerflow.User", related_name="transactions", on_delete=fields.CASCADE
    )
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    type = fields.CharField(max_length=8)
    category = fields.CharField(max_length=64)
    description = fields.CharField(max_length=500, null=True)
    occurred_at = fields.DatetimeField()
    # The day it occurred in the user's time zone at the time of writing: its budget period.
    local_date = fields.DateField()
    goal: fields.ForeignKeyNullableRelation[Goal] = fields.ForeignKeyField(
        "ledgerflow.Goal", related_name="transactions", null=True, on_delete=fields.SET_NULL
    )
    # Set for an occurrence of a recurring series: the series and the due date it is for. No
    # foreign key: a deleted series keeps its past occurrences, and they keep its id.
    recurring_id = fields.UUIDField(null=True)
    due_date = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "transactions"
        indexes = (("user_id", "occurred_at", "id"), ("user_id", "local_date"))
        # One transaction per due date of a series, whoever inserts it and however often.
        unique_together = (("recurring_id", "due_date"),)


class RecurringSeries(Model):
    """A recurring transaction: its rule, and how far the shard owning its user has carried it
    out (every due date up to `done_through` has its transaction)."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "ledgerflow.User", related_name="recurring", on_delete=fields.CASCADE
    )
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    type = fields.CharField(max_length=8)
    category = fields.CharField(max_length=64)
    description = fields.CharField(max_length=500, null=True)
    goal: fields.ForeignKeyNullableRelation[Goal] = fields.ForeignKeyField(
        "ledgerflow.Goal", related_name="recurring", null=True, on_delete=fields.SET_NULL
    )
    cadence = fields.CharField(max_length=8)
    starts_on = fields.DateField()
    ends_on = fields.DateField(null=True)
    # The user's Kafka partition: the shard owning it finds the series it carries out by it.
    partition = fields.IntField()
    done_through = fields.DateField(null=True)
    # The first due date after `done_through`; null once the series has ended.
    next_due = fields.DateField(null=True)
    # The due date whose bill reminder was raised last.
    reminded_for = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "recurring_series"
        indexes = (("partition", "next_due"), ("user_id", "created_at"))


class Budget(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "ledgerflow.User", related_name="budgets", on_delete=fields.CASCADE
    )
    category = fields.CharField(max_length=64)
    period = fields.CharField(max_length=8)
    limit = fields.DecimalField(max_digits=14, decimal_places=2)
    alert_thresholds: list[int] = fields.JSONField(default=list)
    rollover = fields.CharField(max_length=24, default="none", db_default="none")
    # The first day of the first period counted for rollover; None only on rows written
    # before rollover existed, read as the current period at the next change.
    starts_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "budgets"
        unique_together = (("user", "category", "period"),)


class LedgerSnapshot(Model):
    """A user's ledger as of the offsets stored beside it, written in the same transaction."""

    user_id = fields.UUIDField(primary_key=True)
    partition = fields.IntField(db_index=True)
    state = fields.BinaryField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "ledger_snapshots"


class ConsumerOffset(Model):
    """The next offset a consumer will read, committed together with the state it produced."""

    id = fields.IntField(primary_key=True)
    consumer = fields.CharField(max_length=64)
    topic = fields.CharField(max_length=128)
    partition = fields.IntField()
    offset = fields.BigIntField()

    class Meta:
        table = "consumer_offsets"
        unique_together = (("consumer", "topic", "partition"),)


class Delivery(Model):
    """The delivery log: one message per event, channel and recipient, claimed before sending."""

    # The unique key is the claim: a replayed event finds its row and sends nothing again.

    id = fields.BigIntField(primary_key=True)
    event_id = fields.UUIDField()
    event_type = fields.CharField(max_length=64)
    user_id = fields.UUIDField()
    channel = fields.CharField(max_length=16)
    recipient = fields.CharField(max_length=254)
    state = fields.CharField(max_length=16)
    subject = fields.CharField(max_length=255)
    text = fields.TextField()
    html = fields.TextField(null=True)
    attempts = fields.IntField(default=0)
    # When the courier may next try: the retry schedule, and a lease while a send is under way.
    next_attempt_at = fields.DatetimeField()
    last_error = fields.TextField(null=True)
    # The SMTP Message-ID or the Twilio message SID.
    provider_id = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deliveries"
        unique_together = (("event_id", "channel", "recipient"),)
        indexes = (("channel", "state", "next_attempt_at"), ("user_id", "channel", "created_at"))


class DeadLetterRecord(Model):
    """A record a consumer or a courier gave up on, written in the transaction that staged it
    for its `<topic>.dead_letter` topic: what an operator lists and replays."""

    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=128)  # the topic it came from (or its event's type)
    reason = fields.TextField()
    key = fields.BinaryField(null=True)
    value = fields.BinaryField()
    # Set for a message a courier could not deliver: its row in the delivery log.
    delivery_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    replayed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "dead_letters"
        indexes = (("created_at", "id"),)


class AuditEntry(Model):
    """One admin action: who did what to which target, and when."""

    id = fields.BigIntField(primary_key=True)
    actor = fields.CharField(max_length=254)  # the admin's e-mail, or `cli:` and the OS user
    actor_id = fields.UUIDField(null=True)  # the admin's user id; none from the command line
    action = fields.CharField(max_length=32)
    target = fields.CharField(max_length=254)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_log"
        indexes = (("created_at", "id"),)
