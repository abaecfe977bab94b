"""Headers every response carries, and the switch that turns the interactive documentation off."""

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: FastAPI's documentation routes; Gateway sets `app.state.api_docs` from LEDGERFLOW_API_DOCS.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


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
        path: str = scope["path"]
        private = path.startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        if path in DOCS_PATHS and not getattr(scope["app"].state, "api_docs", True):
            # The same answer as for any path that does not exist.
            not_found = JSONResponse({"detail": "Not Found"}, status_code=404)
            await not_found(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    app.add_middleware(ResponseHeaders)
