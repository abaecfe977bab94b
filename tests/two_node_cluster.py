"""A Ray cluster of two nodes on this machine with `ledgerflow up` attached to it, as an operator
runs it on a cluster's head node: for tests/e2e/test_two_node_cluster.py, in a process of its own
(a process holds one Ray, and the test session's is taken).

    python -m tests.two_node_cluster --http-port PORT

`up` takes its settings from this process's environment, with RAY_ADDRESS set to the cluster.
Each node is started as README's "Running on a cluster" says a node is: Serve's fast mode and the
HAProxy script in its environment, token authentication on, and a custom resource of its own,
HEAD_RESOURCE on the head and SECOND_RESOURCE on the second node. `up`'s output is passed on;
right before its `Press Ctrl-C` line comes one line `placement {json}`: the node ("head",
"second" or another id) of each named actor that is alive. SIGTERM or SIGINT stops `up`, then both
nodes, then whatever is left below this process, and exits with `up`'s code.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from adapters import processes
from serve import ray_environment

if TYPE_CHECKING:  # imported once the environment is set: Ray reads it when imported
    from ray.cluster_utils import Cluster

HEAD_RESOURCE = "ledgerflow_head"
SECOND_RESOURCE = "ledgerflow_worker"
#: Each node's amount of its resource: enough for every actor placed there, one each.
RESOURCE_AMOUNT = 100
PLACEMENT = "placement "
UP_STOP_SECONDS = 120
START_ATTEMPTS = 3


def start_nodes(home: Path) -> "Cluster":
    """The head, then the second node, each with one CPU and its resource, on loopback."""
    # What every node's environment needs (ray-cluster.yaml exports the same), inherited by
    # each raylet and so by Serve's controller, proxy and HAProxy.
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    ray_environment.use_fast_mode(home, "127.0.0.1")
    # Both nodes, and `up`'s driver, take 127.0.0.1 as this machine's address (a node's own
    # address comes from the network otherwise, and a driver's rewrites a loopback RAY_ADDRESS).
    ray_environment.keep_local_ray_on_loopback()
    from ray.cluster_utils import Cluster

    loopback: dict[str, Any] = {"node_ip_address": "127.0.0.1", "num_cpus": 1}
    cluster = Cluster(
        initialize_head=True,
        head_node_args=loopback
        | {"resources": {HEAD_RESOURCE: RESOURCE_AMOUNT}, "include_dashboard": False},
    )
    try:
        cluster.add_node(**loopback, resources={SECOND_RESOURCE: RESOURCE_AMOUNT})
    except BaseException:
        cluster.shutdown()
        raise
    return cluster


def start_nodes_patiently(home: Path) -> "Cluster":
    """`start_nodes`, tried again when a node misses Ray's fixed 30 s to register, which it does
    on a machine shared with other Rays and loaded (what it had started is ended first)."""
    for _ in range(START_ATTEMPTS - 1):
        try:
            return start_nodes(home)
        except Exception as error:
            if "timed out during startup" not in str(error):
                raise
            print(f"a node timed out starting ({error}); starting both again", flush=True)
            processes.end_descendants()
    return start_nodes(home)


def placement(cluster: "Cluster") -> dict[str, str]:
    """Each named, living actor of the cluster and the node it runs on, from the GCS."""
    assert cluster.head_node is not None
    roles = {cluster.head_node.node_id: "head"}
    roles |= {node.node_id: "second" for node in cluster.worker_nodes}
    actors = cluster.global_state.actor_table(None)
    return {
        actor["Name"]: roles.get(actor["Address"]["NodeID"], actor["Address"]["NodeID"])
        for actor in actors.values()
        if actor["Name"] and actor["State"] == "ALIVE"
    }


def pass_on_output(up: subprocess.Popen[str], cluster: "Cluster") -> None:
    assert up.stdout is not None
    for line in up.stdout:
        if line.startswith("Press Ctrl-C"):  # every part of `up` is ready
            print(PLACEMENT + json.dumps(placement(cluster)), flush=True)
        print(line, end="", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--http-port", type=int, required=True)
    port = parser.parse_args().http_port
    # Whatever Ray starts stays below this process, to be ended at the stop.
    processes.adopt_orphans()
    up: subprocess.Popen[str] | None = None

    def stop(_signum: int, _frame: FrameType | None) -> None:
        if up is None:
            raise KeyboardInterrupt  # still starting: the `finally` below stops what started
        up.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    cluster: Cluster | None = None
    code = 1
    with tempfile.TemporaryDirectory(prefix="ledgerflow-nodes-") as home:
        try:
            cluster = start_nodes_patiently(Path(home))
            # Ray's nodes take SIGTERM for themselves (a drain, then an exit): ours again.
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            print(f"two nodes up, head at {cluster.address}", flush=True)
            up = subprocess.Popen(
                [sys.executable, "-m", "serve.cli", "up", "--http-port", str(port)],
                env=os.environ | {"RAY_ADDRESS": cluster.address},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            output = threading.Thread(target=pass_on_output, args=(up, cluster), daemon=True)
            output.start()
            code = up.wait()
            output.join(timeout=10)
        except (KeyboardInterrupt, SystemExit):  # SystemExit: Ray's handler, while it starts
            pass
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _stop(up, cluster)
    print(f"stopped ({code})", flush=True)
    return code


def _stop(up: subprocess.Popen[str] | None, cluster: "Cluster | None") -> None:
    """`up` first (it takes the application and its actors off the cluster), then the nodes,
    then whatever Ray left below this process (its HAProxy)."""
    if up is not None and up.poll() is None:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(UP_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            up.kill()
    if cluster is not None:
        print("stopping both nodes", flush=True)
        cluster.shutdown()
    if left := processes.end_descendants():
        print(f"ended what was left running: {', '.join(left)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
