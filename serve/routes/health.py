"""Health and readiness: `/api/health` answers as soon as the gateway replica serves, touching
nothing else; `/api/ready` says whether every long-lived actor exists and has started."""

import asyncio
from typing import Any

import ray
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from actors import naming

ANSWER_WITHIN_SECONDS = 2.0

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """200 once every actor has started; until then 503 with `Retry-After` and the actors still
    waited for, as right after a start, while Ray restarts one, or if one cannot start."""
    names: list[str] = request.app.state.actor_names
    handles = await asyncio.to_thread(_find, names)
    answers = {name: asyncio.ensure_future(h.ready.remote()) for name, h in handles.items()}
    if answers:
        await asyncio.wait(answers.values(), timeout=ANSWER_WITHIN_SECONDS)
    waiting = [name for name in names if not _started(answers.get(name))]
    for answer in answers.values():
        answer.cancel()
    if waiting:
        return JSONResponse(
            {"status": "starting", "waiting_for": waiting},
            status_code=503,
            headers={"Retry-After": "1"},
        )
    return JSONResponse({"status": "ready"})


def _find(names: list[str]) -> dict[str, Any]:
    handles = {}
    for name in names:
        try:
            handles[name] = ray.get_actor(name, namespace=naming.NAMESPACE)
        except ValueError:  # no live actor holds the name (yet)
            continue
    return handles


def _started(answer: "asyncio.Future[Any] | None") -> bool:
    return (
        answer is not None and answer.done() and not answer.cancelled() and not answer.exception()
    )
