"""Token routes: a refresh token exchanged for a new pair, by the token service."""

from fastapi import APIRouter

from serve.deps import ClientAddress, TokenServiceDep
from serve.schemas import RefreshTokenIn, TokenPairOut

router = APIRouter(prefix="/api/token", tags=["token"])


@router.post("/refresh")
async def refresh(
    body: RefreshTokenIn, tokens: TokenServiceDep, client: ClientAddress
) -> TokenPairOut:
    return await tokens.refresh.remote(body.refresh_token, client)
