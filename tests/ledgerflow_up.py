"""The environment for running `ledgerflow up` on embedded defaults from inside a test or bench."""

import os
from pathlib import Path

#: The caller's own servers, which `up` must not see: it starts (or writes files for) its own.
CONFIGURED = (
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP",
    "RAY_ADDRESS",
    "LEDGERFLOW_HOME",
    "SMTP_HOST",
    "TWILIO_ACCOUNT_SID",
)


def embedded_defaults(home: Path) -> dict[str, str]:
    """This process's environment without its server settings and without the Serve ports its
    own Ray took, with `home` as the home folder."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in CONFIGURED and not name.upper().startswith("RAY_SERVE_")
    }
    return kept | {"LEDGERFLOW_HOME": str(home)}
