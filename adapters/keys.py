"""The JWT signing key: from configuration, or generated once under the home folder."""

import os
from pathlib import Path

from actors.domain.tokens import generate_signing_key


def signing_key(configured: str | None, home: Path) -> str:
    if configured:
        return configured
    path = home / "keys" / "jwt-ed25519.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # O_EXCL: two processes starting at once cannot both write a key.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text()
        with os.fdopen(descriptor, "w") as file:
            file.write(generate_signing_key())
    return path.read_text()
