"""A limit on the size of request bodies: 413 before any parsing, whether the client declares
the length or sends the body in chunks (serve/middleware.py applies it).

FastAPI's own `max_body_size` counts the same way, but answers a declared length over the limit
with Starlette's plain-text "Content Too Large", replacing whatever the app's handlers say; here
both cases answer like every other error, with a JSON `detail`.
"""

from fastapi import HTTPException
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.detail = f"body: too large; a request body may have at most {max_bytes} bytes"

    def declared_too_large(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"content-length":
                return value.isdigit() and int(value) > self.max_bytes
        return False

    async def refusal(self, scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse({"detail": self.detail}, status_code=413)(scope, receive, send)

    def counted(self, receive: Receive) -> Receive:
        """`receive`, raising a 413 once the body read so far is over the limit."""
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # Raised where the route reads its body: FastAPI passes an HTTPException on
                # to the app's handlers, which answer with this detail.
                raise HTTPException(status_code=413, detail=self.detail)
            return message

        return counting
