"""Wiring: builds the Serve application and the long-lived actors from resolved settings."""

from collections.abc import Callable
from typing import Any

import ray
from ray.exceptions import RayTaskError
from ray.serve import Application, Deployment

from actors import courier, ledger_shard, messaging, placement
from actors.actor_loop import ActorFailed, LoopFailed, NotReady
from actors.domain.tokens import public_key_pem
from actors.naming import NAMESPACE, OUTBOX_RELAY, ActorKind
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
    users = _placed(UserService, ActorKind.USERS, settings).bind(without_key)
    tokens = _placed(TokenService, ActorKind.TOKENS, settings).bind(with_token_key)
    return _placed(Gateway, ActorKind.GATEWAY, settings).bind(
        without_key, public_key_pem(settings.jwt_private_key), users, tokens
    )


def _placed(deployment: Any, kind: ActorKind, settings: Settings) -> Deployment:
    """The deployment (a class under @serve.deployment, which mypy takes for the class) with its
    own actor options and the placement of its kind."""
    declared = deployment.ray_actor_options or {}
    return deployment.options(ray_actor_options=declared | placement.options(kind, settings))


def start_actors(
    settings: Settings, say: Callable[[str], None] = lambda _message: None
) -> list[ray.actor.ActorHandle]:
    """Create (or find) the long-lived actors and wait until each is ready."""
    actors = create_actors(settings)
    wait_until_ready(actors, say)
    return actors


def create_actors(settings: Settings) -> list[ray.actor.ActorHandle]:
    """Create (or find, after a restart of the driver) the named long-lived actors, without
    waiting for them to start. The relay signs with the event key and the consumers check
    with it; the couriers need no key."""
    without_key = settings.model_copy(update={"jwt_private_key": None})
    relay = OutboxRelay.options(  # type: ignore[attr-defined]
        name=OUTBOX_RELAY,
        namespace=NAMESPACE,
        get_if_exists=True,
        **placement.options(ActorKind.OUTBOX_RELAY, settings),
    ).remote(without_key)
    shards = ledger_shard.start(without_key)
    # This driver's node: where `ledgerflow up` runs, and its home with it.
    home_node = ray.get_runtime_context().get_node_id()
    # The messaging actor looks the couriers up by name: a named actor is registered when
    # `remote` returns, so they are found, started or not (the lookup is retried anyway).
    couriers = courier.start(without_key.model_copy(update={"event_key": None}), home_node)
    messenger = messaging.start(without_key)
    return [relay, *shards, *couriers, messenger]


def wait_until_ready(actors: list[ray.actor.ActorHandle], say: Callable[[str], None]) -> None:
    """Until each actor is ready, saying what those still connecting wait for; ActorFailed with
    the reason of one that cannot run."""
    waiting = actors
    while waiting:
        answers: list[tuple[ray.actor.ActorHandle, ray.ObjectRef[object]]] = [
            (actor, actor.ready.remote()) for actor in waiting
        ]
        waiting = []
        for actor, answer in answers:
            try:
                ray.get(answer)
            except RayTaskError as error:
                cause = getattr(error, "cause", error)
                if isinstance(cause, LoopFailed):
                    raise ActorFailed(str(cause)) from None
                if not isinstance(cause, NotReady):
                    raise
                say(str(cause))  # still connecting: the actor logs each try and its reason
                waiting.append(actor)
