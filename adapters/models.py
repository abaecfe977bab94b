"""Tortoise models: the PostgreSQL tables of ledgerflow."""

from tortoise import fields
from tortoise.models import Model


class User(Model):
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254)
    # Lower-cased e-mail: uniqueness is case-insensitive, display keeps what the user typed.
    email_key = fields.CharField(max_length=254, unique=True)
    phone = fields.CharField(max_length=20, null=True)
    timezone = fields.CharField(max_length=64, default="UTC")
    notifications = fields.JSONField(default=dict)
    password_hash = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"


class LoginFailures(Model):
    """Consecutive failed logins per e-mail, known account or not, for throttling."""

    email_key = fields.CharField(max_length=254, primary_key=True)
    failures = fields.IntField(default=0)
    last_failure_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "login_failures"


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
