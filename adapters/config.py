"""The one place that reads the environment: every setting of ledgerflow."""

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actors.domain.signatures import MIN_KEY_LENGTH
from actors.domain.tokens import TokenPolicy


class Misconfigured(Exception):
    """The settings and the world disagree (a topic with another number of partitions than
    configured): trying again cannot help, an operator must change one or the other."""


class Settings(BaseSettings):
    """Read once by the CLI; resolved copies travel to the deployments and actors."""

    # No populate_by_name: it would read a field named `home` from $HOME. Code that builds
    # Settings by hand passes the aliased fields by their variable names (LEDGERFLOW_HOME=...);
    # extra="forbid" refuses `home=...`, which would otherwise be dropped without a word.
    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    home: Path = Field(Path(".ledgerflow"), validation_alias="LEDGERFLOW_HOME")
    database_url: str | None = None
    kafka_bootstrap: str | None = None
    # A real broker's TLS and SASL, for every Kafka client; the embedded one is plaintext.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = Field(None, repr=False)
    kafka_ssl_cafile: Path | None = None  # none: the system's trusted certificates
    kafka_ssl_certfile: Path | None = None  # a client certificate, for brokers that ask for one
    kafka_ssl_keyfile: Path | None = None
    # How long the broker may hold a consumer's fetch when it has nothing to send. Tansu (the
    # embedded broker) answers only when this runs out, so it is every event's latency floor
    # there; Kafka answers as soon as a record arrives, and a long wait costs it nothing.
    kafka_fetch_wait_ms: int = Field(
        20, ge=1, le=30_000, validation_alias="LEDGERFLOW_KAFKA_FETCH_WAIT_MS"
    )
    # After this long without a record a consumer stops fetching until the outbox relay says it
    # published (see actors/domain/fetch_pace.py); 0: it never stops (with Kafka, set this to 0
    # and the wait above to 500 for Kafka's own long poll).
    kafka_idle_seconds: float = Field(1.0, ge=0, validation_alias="LEDGERFLOW_KAFKA_IDLE_SECONDS")
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
    # Signs every record the outbox relay publishes; consumers drop what it did not sign.
    event_key: str | None = Field(
        None, repr=False, min_length=MIN_KEY_LENGTH, validation_alias="LEDGERFLOW_EVENT_KEY"
    )

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

    @model_validator(mode="after")
    def _kafka_security_is_whole(self) -> Self:
        """Refuse a half-configured TLS or SASL rather than connect with less than was meant."""
        protocol = self.kafka_security_protocol
        sasl = protocol.startswith("SASL_")
        tls = protocol.endswith("SSL")
        if protocol != "PLAINTEXT" and self.kafka_bootstrap is None:
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_BOOTSTRAP: the embedded broker"
                " speaks plaintext on loopback only"
            )
        if sasl and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError(f"{protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        if not sasl and (self.kafka_sasl_username or self.kafka_sasl_password):
            raise ValueError(
                "a SASL login needs KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT)"
            )
        files = (self.kafka_ssl_cafile, self.kafka_ssl_certfile, self.kafka_ssl_keyfile)
        if not tls and any(files):
            raise ValueError("KAFKA_SSL_* files need KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL")
        if self.kafka_ssl_keyfile and not self.kafka_ssl_certfile:
            raise ValueError("KAFKA_SSL_KEYFILE needs KAFKA_SSL_CERTFILE")
        return self

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
