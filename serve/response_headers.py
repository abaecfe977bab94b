"""Headers every response carries: `X-Content-Type-Options: nosniff` on every response and
`Cache-Control: no-store` on every API response, since each holds a token or someone's own
figures. serve/middleware.py adds them; serve/errors.py to a fault's 500, which Starlette
answers outside every middleware."""

from collections.abc import Iterable

RawHeaders = list[tuple[bytes, bytes]]

_EVERY: RawHeaders = [(b"x-content-type-options", b"nosniff")]
_API: RawHeaders = [*_EVERY, (b"cache-control", b"no-store")]


def raw_for_path(path: str) -> RawHeaders:
    return _API if path.startswith("/api/") else _EVERY


def for_path(path: str) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in raw_for_path(path)}


def with_added(headers: Iterable[tuple[bytes, bytes]], added: RawHeaders) -> RawHeaders:
    """`headers` (an ASGI response's, names in lower case) with `added`, which replace any of
    the same name."""
    names = {name for name, _ in added}
    return [(name, value) for name, value in headers if name.lower() not in names] + added
