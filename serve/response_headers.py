"""Headers every response carries."""

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def for_path(path: str) -> dict[str, str]:
    headers = {"X-Content-Type-Options": "nosniff"}
    if path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"
    return headers


class ResponseHeaders:
    """Pure ASGI middleware (no per-request task, unlike BaseHTTPMiddleware): it adds
    `X-Content-Type-Options: nosniff` to every response and `Cache-Control: no-store` to every
    API response, since each holds a token or someone's own figures."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = for_path(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(added)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    app.add_middleware(ResponseHeaders)
