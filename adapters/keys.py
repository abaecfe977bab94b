"""The secret keys: from configuration, or generated once under the home folder."""

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from actors.domain.signatures import generate_event_key
from actors.domain.tokens import generate_signing_key


def signing_key(configured: str | None, home: Path) -> str:
    """The Ed25519 private key (PKCS#8 PEM) that signs access tokens."""
    return configured or _kept(home / "keys" / "jwt-ed25519.pem", generate_signing_key)


def event_key(configured: str | None, home: Path) -> str:
    """The HMAC key that signs every record the outbox relay publishes."""
    return configured or _kept(home / "keys" / "event-hmac.key", generate_event_key)


def _kept(path: Path, generate: Callable[[], str]) -> str:
    """The key in `path`, written there first (readable by the owner only) if there is none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written whole to a file of its own, then linked into place: a link is exclusive like
        # O_EXCL (two processes starting at once cannot both write a key), and a reader never
        # sees a key half written.
        descriptor, written = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(generate())
            with contextlib.suppress(FileExistsError):
                os.link(written, path)
        finally:
            os.unlink(written)
    return path.read_text()
