"""Where each actor runs: the Ray options that place an actor or a Serve replica of a kind
(LEDGERFLOW_ACTOR_RESOURCES), and whether some node of the cluster can host each kind."""

from collections.abc import Iterable, Mapping
from typing import Any

from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from actors.naming import ActorKind
from adapters.config import RAY_BUILT_IN_RESOURCES, RESOURCES_VARIABLE, Settings


def options(kind: ActorKind, settings: Settings, *, on_node: str | None = None) -> dict[str, Any]:
    """The options (for `.options(...)`, or merged into a deployment's ray_actor_options) that
    place an actor of `kind`: the custom resources it asks for, and `on_node`, the one node it
    must run on (a courier that writes files under the home of `ledgerflow up`)."""
    placed: dict[str, Any] = {}
    if resources := settings.actor_resources.get(kind):
        placed["resources"] = dict(resources)
    if on_node is not None:
        placed["scheduling_strategy"] = NodeAffinitySchedulingStrategy(on_node, soft=False)
    return placed


def unplaceable(settings: Settings, nodes: Iterable[Mapping[str, float]]) -> list[str]:
    """What no node offers (from each live node's resources): one sentence per kind of actor
    that would wait for a node forever; empty when every kind has a node."""
    offered = list(nodes)
    return [
        f"{RESOURCES_VARIABLE} asks for {_listed(resources)} for each {kind!s}, and no node of "
        f"the Ray cluster offers that (they offer {_listed(_custom(offered))})"
        for kind, resources in settings.actor_resources.items()
        if not any(_covers(node, resources) for node in offered)
    ]


def _covers(node: Mapping[str, float], resources: Mapping[str, float]) -> bool:
    return all(node.get(name, 0) >= amount for name, amount in resources.items())


def _custom(nodes: list[Mapping[str, float]]) -> dict[str, float]:
    """The custom resources of the nodes, each with the most one node has (Ray also lists one
    resource per node address, `node:<ip>`, which places nothing of ours)."""
    most: dict[str, float] = {}
    for node in nodes:
        for name, amount in node.items():
            if name not in RAY_BUILT_IN_RESOURCES and ":" not in name:
                most[name] = max(most.get(name, 0), amount)
    return most


def _listed(resources: Mapping[str, float]) -> str:
    return ", ".join(f"{amount:g} {name}" for name, amount in sorted(resources.items())) or "none"
