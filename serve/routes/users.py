"""User routes: sign-up, login and logout, and the caller's profile, served by the user and
token services."""

from typing import Annotated

from fastapi import APIRouter, Body, Response

from serve.deps import (
    ClientAddress,
    CurrentUser,
    RevokedSessionsDep,
    TokenServiceDep,
    UserServiceDep,
)
from serve.schemas import (
    CredentialsIn,
    RefreshTokenIn,
    TokenPairOut,
    UserChanges,
    UserIn,
    UserOut,
)

router = APIRouter(prefix="/api/user", tags=["user"])


@router.post("/signup", status_code=201)
async def signup(body: UserIn, users: UserServiceDep, client: ClientAddress) -> UserOut:
    return await users.signup.remote(body, client)


@router.post("/login")
async def login(
    body: CredentialsIn, users: UserServiceDep, tokens: TokenServiceDep, client: ClientAddress
) -> TokenPairOut:
    user_id = await users.authenticate.remote(body.email, body.password, client)
    return await tokens.open_session.remote(user_id)


@router.get("/me")
async def me(user: CurrentUser, users: UserServiceDep) -> UserOut:
    return await users.profile.remote(user.user_id)


@router.patch("/me")
async def update_me(user: CurrentUser, changes: UserChanges, users: UserServiceDep) -> UserOut:
    return await users.update_profile.remote(user.user_id, changes)


@router.post("/logout", status_code=204)
async def logout(
    user: CurrentUser,
    body: Annotated[RefreshTokenIn, Body()],
    tokens: TokenServiceDep,
    revoked: RevokedSessionsDep,
) -> Response:
    await tokens.close_session.remote(user.user_id, user.session_id, body.refresh_token)
    # The NOTIFY reaches every replica; this one refuses the session from this moment on.
    revoked.add(user.session_id)
    return Response(status_code=204)
