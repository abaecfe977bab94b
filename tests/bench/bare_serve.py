"""A bare Ray Serve application, one no-op route, started on the same Ray settings as
ledgerflow's (a local Ray, the fast mode with HAProxy): the reference for the idle figure.
`python -m tests.bench.bare_serve PORT` prints `ready` once it answers, and stops when its
standard input closes."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from serve import ray_environment

ray_environment.keep_local_ray_on_loopback()

import ray  # noqa: E402  # after the loopback setting, which Ray reads when imported
from ray import serve  # noqa: E402

from adapters.embedded import free_port  # noqa: E402

HOST = "127.0.0.1"


@serve.deployment(name="noop", ray_actor_options={"num_cpus": 0})
class NoOp:
    async def __call__(self, _request: object) -> str:
        return "ok"


def main(port: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ledgerflow-bench-bare-") as home:
        ray_environment.keep_serve_metrics_idle()
        ray_environment.use_fast_mode(Path(home), HOST)
        ray.init(
            address="local",
            include_dashboard=True,
            dashboard_host=HOST,
            dashboard_port=free_port(),
            configure_logging=False,
        )
        try:
            serve.start(http_options={"host": HOST, "port": port})
            serve.run(NoOp.bind(), name="bare", route_prefix="/")  # type: ignore[attr-defined]
            print("ready", flush=True)
            sys.stdin.read()
        finally:
            ray.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]))
