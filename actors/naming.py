"""Names under which the application's actors are found in Ray: the registry of the system."""

NAMESPACE = "ledgerflow"
OUTBOX_RELAY = "outbox-relay"
MESSAGING = "messaging"


def ledger_shard(index: int) -> str:
    return f"ledger-shard-{index}"


def courier(channel: str) -> str:
    return f"courier-{channel}"
