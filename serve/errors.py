"""Domain errors to HTTP responses, in one place."""

from collections.abc import Awaitable
from typing import TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from actors.domain.errors import (
    Conflict,
    DomainError,
    EmailTaken,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    LedgerBehind,
    LedgerUnavailable,
    NotFound,
    Throttled,
    TokenExpired,
)
from serve import response_headers

Position = TypeVar("Position")

STATUS: dict[type[DomainError], int] = {
    EmailTaken: 409,
    InvalidCredentials: 401,
    Throttled: 429,
    InvalidToken: 401,
    NotFound: 404,
    Forbidden: 403,
    InvalidInput: 422,
    Conflict: 409,
    LedgerBehind: 503,
    LedgerUnavailable: 503,
}


def cause_of(error: Exception) -> DomainError:
    # An error raised in another deployment arrives wrapped by Ray; the original is its cause.
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, DomainError) else error  # type: ignore[return-value]


def _status(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def domain_error_response(error: Exception) -> JSONResponse:
    cause = cause_of(error)
    headers: dict[str, str] = {}
    if isinstance(cause, Throttled):
        headers["Retry-After"] = str(cause.retry_after_seconds)
    if isinstance(cause, LedgerBehind | LedgerUnavailable):
        headers["Retry-After"] = "1"
    if cause.location is not None:
        headers["Location"] = cause.location
    if isinstance(cause, InvalidToken):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        if isinstance(cause, TokenExpired):
            headers["X-Token-Expired"] = "true"
    body: dict[str, object] = {"detail": str(cause)}
    if isinstance(cause, InvalidInput):
        body["errors"] = [{"field": cause.field, "message": cause.message}]
    return JSONResponse(body, status_code=_status(cause), headers=headers)


async def saved(position: Awaitable[Position], location: str) -> Position | JSONResponse:
    """The position of a definition just committed. When its shard cannot show it yet (starting,
    restarting or behind), a 202 saying that it is saved and where to read it: a 503 would
    invite the client to create it a second time."""
    try:
        return await position
    except Exception as error:
        cause = cause_of(error)
        if not isinstance(cause, LedgerBehind | LedgerUnavailable):
            raise
        body = {"detail": f"saved; its position is not shown yet: {cause}", "location": location}
        headers = {"Location": location, "Retry-After": "1"}
        return JSONResponse(body, status_code=202, headers=headers)


def _field(location: tuple[str | int, ...]) -> str:
    names = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(names) or "body"


def _message(text: str) -> str:
    # Pydantic puts this before the message of a validator's ValueError.
    return text.removeprefix("Value error, ")


async def _on_domain_error(_request: Request, error: Exception) -> JSONResponse:
    return domain_error_response(error)


async def _on_invalid_request(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"field": _field(tuple(item["loc"])), "message": _message(item["msg"])}
        for item in error.errors()
    ]
    detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return JSONResponse({"detail": detail, "errors": problems}, status_code=422)


async def _on_server_fault(request: Request, _error: Exception) -> JSONResponse:
    # Starlette answers a fault outside every middleware: the headers are set here as well.
    headers = response_headers.for_path(request.url.path)
    return JSONResponse({"detail": "internal server error"}, status_code=500, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _on_server_fault)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
