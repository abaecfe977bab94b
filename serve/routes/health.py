"""The health route: answers as soon as the gateway replica serves, touching nothing else."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/health", tags=["system"])


@router.get("")
async def health() -> dict[str, str]:
    return {"status": "ok"}
