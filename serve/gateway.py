"""The API gateway: a FastAPI ingress that wires the routers to the services they call."""

import logging
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors import naming
from actors.domain.tokens import AccessTokenVerifier
from adapters import database, logs
from adapters.config import Settings
from adapters.revocations import RevokedSessions
from serve import errors, middleware
from serve.auth import Authenticator
from serve.ledger_reader import LedgerReader
from serve.routes import (
    admin,
    budgets,
    forecasts,
    goals,
    health,
    panel,
    recurring,
    tokens,
    transactions,
    users,
)

log = logging.getLogger(__name__)

# The largest body any route needs is a few hundred bytes.
MAX_BODY_BYTES = 64 * 1024
# Where the documentation's scripts and styles are served from.
DOCS_ASSETS = "/docs-assets"
# The docs list the groups in this order, whatever the order the routers are matched in.
DOCS_ORDER = (health, users, tokens, transactions, recurring, budgets, forecasts, goals, admin)


def build_api(*, docs: bool = True) -> FastAPI:
    """Every router and the error handlers; the gateway fills the state that serve.deps reads.
    With `docs`, /docs and /redoc load their scripts and styles from the gateway itself
    (fastapi-offline's copies of Swagger UI and ReDoc), never from a CDN; without, /docs,
    /redoc and /openapi.json do not exist (LEDGERFLOW_API_DOCS=0)."""
    about: dict[str, Any] = {
        "title": "ledgerflow",
        "summary": "Personal finance: transactions, budgets and goals, with alerts by e-mail"
        " and SMS.",
        "version": "0.1.0",
        "openapi_tags": [{"name": str(routes.router.tags[0])} for routes in DOCS_ORDER],
        # FastAPI's own OpenTelemetry: ledgerflow's metrics are Ray's (adapters/metrics.py), and
        # checking for a configured provider costs every request.
        "telemetry": {"tracing": False, "metrics": False, "logs": False},
    }
    api = (
        FastAPIOffline(static_url=DOCS_ASSETS, **about)
        if docs
        else FastAPI(docs_url=None, redoc_url=None, openapi_url=None, **about)
    )
    errors.install(api)
    middleware.install(api, max_body_bytes=MAX_BODY_BYTES)
    # A request is matched against each route in turn: the hot routes first (the no-op health
    # check first of them, the cheapest to match), and as the app's own routes. An included
    # router is matched through FastAPI's layers of inclusion, each of its routes in turn and
    # the chosen router's twice, which cost a read more than its route did; the hot routers
    # set nothing at inclusion (their paths, tags and route class are on each route already).
    # Placed as they are, those routes are shared by every app built and do not consult
    # `api.dependency_overrides` (which nothing of ours sets).
    hot = (health, transactions, budgets, goals)
    api.router.routes[:0] = [route for routes in hot for route in routes.router.routes]
    for routes in (users, tokens, recurring, forecasts, admin, panel):
        api.include_router(routes.router)
    return api


@serve.deployment(name="gateway", max_ongoing_requests=256, ray_actor_options={"num_cpus": 0})
@serve.ingress()
class Gateway:
    async def __init__(  # type: ignore[misc]  # Serve awaits an async constructor
        self,
        settings: Settings,
        jwt_public_key: str,
        users: DeploymentHandle,
        tokens: DeploymentHandle,
    ) -> None:
        assert settings.database_url
        logs.configure(settings.log_format)
        await database.connect(settings.database_url)
        revoked = RevokedSessions(settings.database_url, settings.token_policy.access_ttl)
        await revoked.start()
        verifier = AccessTokenVerifier(jwt_public_key, settings.token_policy)
        # The replica's own app, built here: an app given to @serve.ingress reaches the replica
        # as a pickled copy, which state set in this constructor would never reach.
        self._api = build_api(docs=settings.api_docs)
        self._api.state.authenticator = Authenticator(verifier, revoked)
        self._api.state.revoked = revoked
        self._api.state.ledger = LedgerReader(settings)
        self._api.state.users = users
        self._api.state.tokens = tokens
        self._api.state.actor_names = naming.every_actor(settings.ledger_shards)
        self._api.state.settings = settings
        logs.event(log, "gateway_ready", docs=settings.api_docs)

    def __serve_build_asgi_app__(self) -> FastAPI:
        """Serve asks for the replica's app right after the constructor."""
        return self._api
