"""The one place that reads the environment: every setting of ledgerflow."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from actors.domain.tokens import TokenPolicy


class Settings(BaseSettings):
    """Read once by the CLI; resolved copies travel to the deployments and actors."""

    # No populate_by_name: it would read a field named `home` from $HOME. Code that builds
    # Settings by hand passes the aliased fields by their variable names (LEDGERFLOW_HOME=...);
    # extra="forbid" refuses `home=...`, which would otherwise be dropped without a word.
    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    home: Path = Field(Path(".ledgerflow"), validation_alias="LEDGERFLOW_HOME")
    database_url: str | None = None
    kafka_bootstrap: str | None = None
    ray_address: str | None = None
    kafka_partitions: int = Field(8, ge=1, validation_alias="LEDGERFLOW_KAFKA_PARTITIONS")
    # Each shard is a process owning partitions p with p % shards == its index.
    ledger_shards: int = Field(2, ge=1, validation_alias="LEDGERFLOW_LEDGER_SHARDS")
    # Ledgers a shard keeps as objects; the rest rest as compact snapshots (see LedgerMemory).
    awake_ledgers: int = Field(20_000, ge=1, validation_alias="LEDGERFLOW_AWAKE_LEDGERS")
    # Serve's throughput-optimised mode with the HAProxy ingress; off with 0.
    fast_mode: bool = Field(True, validation_alias="LEDGERFLOW_FAST_MODE")
    num_cpus: int | None = Field(None, validation_alias="LEDGERFLOW_NUM_CPUS")
    # The interactive documentation (/docs, /redoc, /openapi.json); off with 0.
    api_docs: bool = Field(True, validation_alias="LEDGERFLOW_API_DOCS")

    jwt_private_key: str | None = Field(None, repr=False)
    jwt_issuer: str = "ledgerflow"
    jwt_audience: str = "ledgerflow-api"
    access_token_minutes: int = Field(15, ge=1)
    refresh_token_days: int = Field(30, ge=1)

    # E-mail: without SMTP_HOST, messages are written as .eml files under home/outbox.
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = Field(None, repr=False)
    smtp_from: str = "ledgerflow <no-reply@ledgerflow.localhost>"
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    # SMS: without all three of sid, token and number, messages go to home/outbox/sms.jsonl.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = Field(None, repr=False)
    twilio_from_number: str | None = None
    twilio_api_base: str | None = None
    # A failed send is tried again this many times in all, backing off from the given delay.
    delivery_attempts: int = Field(8, ge=1, validation_alias="LEDGERFLOW_DELIVERY_ATTEMPTS")
    delivery_backoff_seconds: float = Field(
        5.0, gt=0, validation_alias="LEDGERFLOW_DELIVERY_BACKOFF_SECONDS"
    )

    @property
    def smtp_configured(self) -> bool:
        return self.smtp_host is not None

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from_number)

    @property
    def outbox_folder(self) -> Path:
        """Where messages go when no SMTP server or Twilio account is configured."""
        return self.home / "outbox"

    @property
    def token_policy(self) -> TokenPolicy:
        from datetime import timedelta

        return TokenPolicy(
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            access_ttl=timedelta(minutes=self.access_token_minutes),
            refresh_ttl=timedelta(days=self.refresh_token_days),
        )
