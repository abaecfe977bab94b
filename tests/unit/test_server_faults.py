"""A fault in a route (a bug) is a plain 500 that gives nothing away and still carries the
headers every response carries, though Starlette answers it outside every middleware."""

import httpx
from fastapi import FastAPI

from serve import errors, middleware


def app_with_a_bug() -> FastAPI:
    app = FastAPI()
    errors.install(app)
    middleware.install(app, max_body_bytes=1024)

    @app.get("/api/bug")
    async def bug() -> None:
        raise RuntimeError("secret internals")

    return app


async def test_a_fault_is_a_500_with_the_security_headers_and_no_internals() -> None:
    transport = httpx.ASGITransport(app=app_with_a_bug(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/api/bug")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert "secret" not in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
