"""The API gateway: a FastAPI ingress that authenticates and hands each call to its service."""

from typing import Annotated

from fastapi import Body, FastAPI, Response
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors import naming
from actors.domain.tokens import AccessTokenVerifier
from adapters import database
from adapters.config import Settings
from adapters.revocations import RevokedSessions
from serve import budgets, errors, goals, readiness, response_headers, transactions
from serve.auth import Authenticator, CurrentUser
from serve.ledger_reader import LedgerReader
from serve.schemas import (
    LoginRequest,
    ProfileChanges,
    RefreshRequest,
    SignupRequest,
    TokenPair,
    UserView,
)

api = FastAPI(
    title="ledgerflow",
    summary="Personal finance: transactions, budgets and goals, with alerts by e-mail and SMS.",
    version="0.1.0",
)
errors.install(api)
response_headers.install(api)
for routes in (transactions.router, budgets.router, goals.router, readiness.router):
    api.include_router(routes)


@serve.deployment(name="gateway", max_ongoing_requests=256, ray_actor_options={"num_cpus": 0})
@serve.ingress(api)
class Gateway:
    async def __init__(  # type: ignore[misc]  # Serve awaits an async constructor
        self,
        settings: Settings,
        jwt_public_key: str,
        users: DeploymentHandle,
        tokens: DeploymentHandle,
    ) -> None:
        assert settings.database_url
        await database.connect(settings.database_url)
        self._revoked = RevokedSessions(settings.database_url, settings.token_policy.access_ttl)
        await self._revoked.start()
        verifier = AccessTokenVerifier(jwt_public_key, settings.token_policy)
        api.state.authenticator = Authenticator(verifier, self._revoked)
        api.state.ledger = LedgerReader(settings)
        api.state.api_docs = settings.api_docs
        api.state.actor_names = naming.every_actor(settings.ledger_shards)
        self._users = users
        self._tokens = tokens

    @api.get("/api/health", tags=["system"])
    async def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @api.post("/api/user/signup", status_code=201, tags=["user"])
    async def signup(self, body: SignupRequest) -> UserView:
        return await self._users.signup.remote(body)

    @api.post("/api/user/login", tags=["user"])
    async def login(self, body: LoginRequest) -> TokenPair:
        user_id = await self._users.authenticate.remote(body.email, body.password)
        return await self._tokens.open_session.remote(user_id)

    @api.get("/api/user/me", tags=["user"])
    async def me(self, user: CurrentUser) -> UserView:
        return await self._users.profile.remote(user.user_id)

    @api.patch("/api/user/me", tags=["user"])
    async def update_me(self, user: CurrentUser, changes: ProfileChanges) -> UserView:
        return await self._users.update_profile.remote(user.user_id, changes)

    @api.post("/api/token/refresh", tags=["token"])
    async def refresh(self, body: RefreshRequest) -> TokenPair:
        return await self._tokens.refresh.remote(body.refresh_token)

    @api.post("/api/user/logout", status_code=204, tags=["user"])
    async def logout(self, user: CurrentUser, body: Annotated[RefreshRequest, Body()]) -> Response:
        await self._tokens.close_session.remote(user.user_id, user.session_id, body.refresh_token)
        # The NOTIFY reaches every replica; this one refuses the session from this moment on.
        self._revoked.add(user.session_id)
        return Response(status_code=204)
