"""The one place that reads the environment: every setting of ledgerflow."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from actors.domain.tokens import TokenPolicy


class Settings(BaseSettings):
    """Read once by the CLI; resolved copies travel to the deployments and actors."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

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

    jwt_private_key: str | None = Field(None, repr=False)
    jwt_issuer: str = "ledgerflow"
    jwt_audience: str = "ledgerflow-api"
    access_token_minutes: int = Field(15, ge=1)
    refresh_token_days: int = Field(30, ge=1)

    @property
    def token_policy(self) -> TokenPolicy:
        from datetime import timedelta

        return TokenPolicy(
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            access_ttl=timedelta(minutes=self.access_token_minutes),
            refresh_ttl=timedelta(days=self.refresh_token_days),
        )
