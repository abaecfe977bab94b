"""The gateway's one middleware: every request passes a single pure-ASGI layer (each layer is a
call and a wrapped `send` per request) that refuses a body over the limit, adds the headers
every response carries and records the request's latency per route."""

import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters import metrics
from serve import response_headers
from serve.body_limit import BodyLimit


class GatewayMiddleware:
    """Outermost of ours, as the three were: a 413 for a body over `max_body_bytes` carries the
    headers and is recorded like any answer."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.body_limit = BodyLimit(max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        added = response_headers.raw_for_path(scope["path"])
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = response_headers.with_added(message["headers"], added)
            await send(message)

        try:
            if self.body_limit.declared_too_large(scope):
                await self.body_limit.refusal(scope, receive, send_with_headers)
            else:
                await self.app(scope, self.body_limit.counted(receive), send_with_headers)
        finally:
            # The route's template (`/api/budget/{budget_id}`, never an id), its method, status.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.request(route, scope["method"], status, time.perf_counter() - began)


def install(app: FastAPI, max_body_bytes: int) -> None:
    app.add_middleware(GatewayMiddleware, max_body_bytes=max_body_bytes)
