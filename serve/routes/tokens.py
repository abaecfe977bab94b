"""Token routes: a refresh token exchanged for a new pair, by the token service."""

from fastapi import APIRouter

from serve.deps import TokenServiceDep
from serve.schemas import RefreshRequest, TokenPair

router = APIRouter(prefix="/api/token", tags=["token"])


@router.post("/refresh")
async def refresh(body: RefreshRequest, tokens: TokenServiceDep) -> TokenPair:
    return await tokens.refresh.remote(body.refresh_token)
