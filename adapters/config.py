"""The one place that reads the environment: every setting of ledgerflow."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from actors.domain.signatures import MIN_KEY_LENGTH
from actors.naming import ActorKind

if TYPE_CHECKING:  # imported where used: jwt and its keys cost the actors' starts 40 ms each
    from actors.domain.tokens import TokenPolicy

#: Ray's own resources, which Ray takes as num_cpus, num_gpus and memory, never by name.
RAY_BUILT_IN_RESOURCES = frozenset({"CPU", "GPU", "memory", "object_store_memory"})
RESOURCES_VARIABLE = "LEDGERFLOW_ACTOR_RESOURCES"


class Misconfigured(Exception):
    """The settings and the world disagree (a topic with another number of partitions than
    configured): trying again cannot help, an operator must change one or the other."""


@dataclass(frozen=True)
class KafkaPems:
    """PEM text of the CA that signed the brokers' certificates, and of a client certificate
    and its key; each None when not configured."""

    ca: str | None
    certificate: str | None
    key: str | None = field(repr=False)


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
    # Their contents, read where `ledgerflow up` runs (`with_files_read`) and carried with the
    # settings to the actors, whose nodes need no copy of the files. Private: no variable sets it.
    _kafka_ssl_pems: KafkaPems | None = PrivateAttr(None)
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
    # Ledgers a shard keeps as objects; the rest rest as compact snapshots (see LedgerMemory),
    # which wake in a few microseconds.
    awake_ledgers: int = Field(5_000, ge=1, validation_alias="LEDGERFLOW_AWAKE_LEDGERS")
    # Serve's throughput-optimised mode with the HAProxy ingress; off with 0.
    fast_mode: bool = Field(True, validation_alias="LEDGERFLOW_FAST_MODE")
    num_cpus: int | None = Field(None, validation_alias="LEDGERFLOW_NUM_CPUS")
    # The interactive documentation (/docs, /redoc, /openapi.json); off with 0.
    api_docs: bool = Field(True, validation_alias="LEDGERFLOW_API_DOCS")
    # Where each kind of actor runs on a cluster: the Ray custom resources every actor of that
    # kind asks for, e.g. {"ledger-shard": {"ledger_node": 1}}; a kind left out runs anywhere.
    actor_resources: Annotated[dict[ActorKind, dict[str, float]], NoDecode] = Field(
        default_factory=dict, validation_alias=RESOURCES_VARIABLE
    )
    # Every log line as text, or as one JSON object (adapters/logs.py).
    log_format: Literal["text", "json"] = Field("text", validation_alias="LEDGERFLOW_LOG_FORMAT")

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

    @field_validator("actor_resources", mode="before")
    @classmethod
    def _resources_from_json(cls, value: Any) -> Any:
        if not isinstance(value, str | bytes):
            return value
        try:
            return json.loads(value or "{}")
        except ValueError as error:
            raise ValueError(f"{RESOURCES_VARIABLE} is not JSON ({error})") from None

    @field_validator("actor_resources")
    @classmethod
    def _resources_are_rays(
        cls, value: dict[ActorKind, dict[str, float]]
    ) -> dict[ActorKind, dict[str, float]]:
        """Refuse here what Ray would refuse only when it creates the actor."""
        for kind, resources in value.items():
            for name, amount in resources.items():
                asks = f"{RESOURCES_VARIABLE}: {kind!s} asks for {amount:g} of {name!r}"
                if not name.strip():
                    raise ValueError(
                        f"{RESOURCES_VARIABLE}: {kind!s} names a resource without a name"
                    )
                if name in RAY_BUILT_IN_RESOURCES:
                    raise ValueError(
                        f"{asks}, one of Ray's own: only custom resources place an actor"
                    )
                if not amount > 0:
                    raise ValueError(f"{asks}: an amount must be above 0")
                if amount > 1 and not amount.is_integer():
                    raise ValueError(f"{asks}: an amount above 1 must be whole (Ray's rule)")
        return value

    @model_validator(mode="after")
    def _file_outbox_stays_home(self) -> Self:
        """A channel without its provider writes files under the home of `ledgerflow up`, so its
        courier runs on that machine: placing the couriers elsewhere cannot be honoured."""
        if ActorKind.COURIER in self.actor_resources:
            unconfigured = [
                variable
                for variable, configured in (
                    ("SMTP_HOST", self.smtp_configured),
                    ("TWILIO_*", self.twilio_configured),
                )
                if not configured
            ]
            if unconfigured:
                raise ValueError(
                    f"{RESOURCES_VARIABLE} places the couriers, but without "
                    f"{' and '.join(unconfigured)} a courier writes files under LEDGERFLOW_HOME "
                    "on the machine of `ledgerflow up` and runs there: configure the channel, "
                    "or leave 'courier' out"
                )
        return self

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

    def with_files_read(self) -> Self:
        """A copy that carries the contents of the files it names (the KAFKA_SSL_* files), for
        actors on nodes that do not have them."""
        copy = self.model_copy()
        copy._kafka_ssl_pems = self.kafka_ssl_pems
        return copy

    @property
    def kafka_ssl_pems(self) -> KafkaPems:
        """The KAFKA_SSL_* files' contents: as read by `with_files_read`, else read now."""
        if self._kafka_ssl_pems is not None:
            return self._kafka_ssl_pems
        return KafkaPems(
            _read("KAFKA_SSL_CAFILE", self.kafka_ssl_cafile),
            _read("KAFKA_SSL_CERTFILE", self.kafka_ssl_certfile),
            _read("KAFKA_SSL_KEYFILE", self.kafka_ssl_keyfile),
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
    def token_policy(self) -> "TokenPolicy":
        from datetime import timedelta

        from actors.domain.tokens import TokenPolicy

        return TokenPolicy(
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            access_ttl=timedelta(minutes=self.access_token_minutes),
            refresh_ttl=timedelta(days=self.refresh_token_days),
        )


def _read(variable: str, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text()
    except OSError as error:
        raise Misconfigured(f"{variable}={path} cannot be read: {error.strerror}") from None
