"""Names under which the application's actors are found in Ray: the registry of the system."""

from enum import StrEnum

NAMESPACE = "ledgerflow"
OUTBOX_RELAY = "outbox-relay"
MESSAGING = "messaging"


class ActorKind(StrEnum):
    """The kinds of actor (and Serve deployment) that LEDGERFLOW_ACTOR_RESOURCES places."""

    OUTBOX_RELAY = "outbox-relay"
    LEDGER_SHARD = "ledger-shard"
    MESSAGING = "messaging"
    COURIER = "courier"
    GATEWAY = "gateway"
    USERS = "users"
    TOKENS = "tokens"


def ledger_shard(index: int) -> str:
    return f"ledger-shard-{index}"


def courier(channel: str) -> str:
    return f"courier-{channel}"


def every_actor(ledger_shards: int) -> list[str]:
    """The long-lived actors `up` starts, by name."""
    from actors.domain.preferences import Channel

    return [
        OUTBOX_RELAY,
        *(ledger_shard(index) for index in range(ledger_shards)),
        *(courier(channel) for channel in Channel),
        MESSAGING,
    ]
