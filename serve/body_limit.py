"""A limit on the size of request bodies: 413 before any parsing, whether the client declares
the length or sends the body in chunks.

FastAPI's own `max_body_size` counts the same way, but answers a declared length over the limit
with Starlette's plain-text "Content Too Large", replacing whatever the app's handlers say; here
both cases answer like every other error, with a JSON `detail`.
"""

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.detail = f"body: too large; a request body may have at most {max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared_too_large(scope):
            await JSONResponse({"detail": self.detail}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # Raised where the route reads its body: FastAPI passes an HTTPException on
                # to the app's handlers, which answer with this detail.
                raise HTTPException(status_code=413, detail=self.detail)
            return message

        await self.app(scope, counted, send)

    def _declared_too_large(self, scope: Scope) -> bool:
        declared = Headers(scope=scope).get("content-length")
        return declared is not None and declared.isdigit() and int(declared) > self.max_bytes
