"""Wiring: builds the Serve application and the long-lived actors from resolved settings."""

import ray
from ray.serve import Application

from actors import courier, ledger_shard, messaging
from actors.domain.tokens import public_key_pem
from actors.naming import NAMESPACE, OUTBOX_RELAY
from actors.outbox_relay import OutboxRelay
from adapters.config import Settings
from serve.gateway import Gateway
from serve.token_service import TokenService
from serve.user_service import UserService

APP_NAME = "ledgerflow"


def application(settings: Settings) -> Application:
    """The gateway and its services. Only the token service receives the signing key, and none
    the event key: they stage events in the outbox, and the relay signs them."""
    assert settings.jwt_private_key
    with_token_key = settings.model_copy(update={"event_key": None})
    without_key = with_token_key.model_copy(update={"jwt_private_key": None})
    users = UserService.bind(without_key)  # type: ignore[attr-defined]
    tokens = TokenService.bind(with_token_key)  # type: ignore[attr-defined]
    return Gateway.bind(  # type: ignore[attr-defined]
        without_key, public_key_pem(settings.jwt_private_key), users, tokens
    )


def start_actors(settings: Settings) -> list[ray.actor.ActorHandle]:
    """Create (or find, after a restart of the driver) the named long-lived actors. The relay
    signs with the event key and the consumers check with it; the couriers need no key."""
    without_key = settings.model_copy(update={"jwt_private_key": None})
    relay = OutboxRelay.options(  # type: ignore[attr-defined]
        name=OUTBOX_RELAY, namespace=NAMESPACE, get_if_exists=True
    ).remote(without_key)
    shards = ledger_shard.start(without_key)
    couriers = courier.start(without_key.model_copy(update={"event_key": None}))
    # The messaging actor looks the couriers up by name: they exist before it starts.
    ray.get([relay.ready.remote(), *[actor.ready.remote() for actor in [*shards, *couriers]]])
    messenger = messaging.start(without_key)
    ray.get(messenger.ready.remote())
    return [relay, *shards, *couriers, messenger]
