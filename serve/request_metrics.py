"""The gateway's request latency per route (ledgerflow_request_seconds), recorded for every
response through Ray's metrics (adapters/metrics.py)."""

import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters import metrics


class RequestMetrics:
    """Pure ASGI middleware: times each request from its start to its last byte, labelled by
    the route's template (`/api/budget/{budget_id}`, never an id), its method and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.request(route, scope["method"], status, time.perf_counter() - began)


def install(app: FastAPI) -> None:
    app.add_middleware(RequestMetrics)
