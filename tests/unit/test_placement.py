"""LEDGERFLOW_ACTOR_RESOURCES: what it accepts, what it refuses and why, and the Ray options and
node check made from it."""

import json
import re

import pytest
from pydantic import ValidationError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from actors import placement
from actors.naming import ActorKind
from adapters.config import Settings

PROVIDERS = {
    "smtp_host": "mail.example.com",
    "twilio_account_sid": "AC0",
    "twilio_auth_token": "secret",
    "twilio_from_number": "+15005550006",
}


def from_environment(monkeypatch: pytest.MonkeyPatch, value: str, **fields: str) -> Settings:
    monkeypatch.setenv("LEDGERFLOW_ACTOR_RESOURCES", value)
    return Settings(**(PROVIDERS | fields))  # type: ignore[arg-type]


def test_unset_places_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGERFLOW_ACTOR_RESOURCES", raising=False)
    settings = Settings()
    assert settings.actor_resources == {}
    assert all(placement.options(kind, settings) == {} for kind in ActorKind)


def test_each_kind_asks_for_its_own_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = from_environment(
        monkeypatch,
        json.dumps({"ledger-shard": {"ledger_node": 1}, "courier": {"edge": 0.5, "mail": 2}}),
    )
    assert placement.options(ActorKind.LEDGER_SHARD, settings) == {"resources": {"ledger_node": 1}}
    assert placement.options(ActorKind.COURIER, settings) == {"resources": {"edge": 0.5, "mail": 2}}
    assert placement.options(ActorKind.GATEWAY, settings) == {}


def test_a_node_pins_the_actor_there(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = from_environment(monkeypatch, "{}")
    node = "ab" * 28
    strategy = placement.options(ActorKind.COURIER, settings, on_node=node)["scheduling_strategy"]
    assert isinstance(strategy, NodeAffinitySchedulingStrategy)
    assert (strategy.node_id, strategy.soft) == (node, False)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("{ledger-shard", "LEDGERFLOW_ACTOR_RESOURCES is not JSON"),
        ('{"ledger": {"x": 1}}', "'outbox-relay', 'ledger-shard', 'messaging', 'courier'"),
        ('{"ledger-shard": 1}', "valid dictionary"),
        ('{"ledger-shard": {"x": "many"}}', "valid number"),
        ('{"ledger-shard": {"CPU": 1}}', "asks for 1 of 'CPU', one of Ray's own"),
        ('{"ledger-shard": {"x": 0}}', "asks for 0 of 'x': an amount must be above 0"),
        ('{"ledger-shard": {"x": -1}}', "an amount must be above 0"),
        ('{"ledger-shard": {"x": 1.5}}', "an amount above 1 must be whole"),
        ('{"ledger-shard": {" ": 1}}', "ledger-shard names a resource without a name"),
    ],
)
def test_a_bad_value_is_refused_saying_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    with pytest.raises(ValidationError, match="LEDGERFLOW_ACTOR_RESOURCES") as refused:
        from_environment(monkeypatch, value)
    assert says in str(refused.value)


@pytest.mark.parametrize(
    ("unset", "names"),
    [("smtp_host", "SMTP_HOST"), ("twilio_auth_token", "TWILIO_*")],
)
def test_couriers_writing_files_cannot_be_placed(
    monkeypatch: pytest.MonkeyPatch, unset: str, names: str
) -> None:
    monkeypatch.setenv("LEDGERFLOW_ACTOR_RESOURCES", '{"courier": {"edge": 1}}')
    with pytest.raises(ValidationError, match=re.escape(f"without {names} a courier writes files")):
        Settings(**(PROVIDERS | {unset: None}))  # type: ignore[arg-type]


def test_unplaceable_names_the_kinds_no_node_can_host(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = from_environment(
        monkeypatch,
        json.dumps(
            {
                "ledger-shard": {"ledger_node": 1},
                "courier": {"edge": 2},
                "gateway": {"ledger_node": 1, "edge": 1},
            }
        ),
    )
    nodes = [
        {"CPU": 2.0, "node:10.0.0.1": 1.0, "ledger_node": 4.0},
        {"CPU": 1.0, "edge": 1.0, "memory": 1e9},
    ]
    problems = placement.unplaceable(settings, nodes)
    assert problems == [
        "LEDGERFLOW_ACTOR_RESOURCES asks for 2 edge for each courier, and no node of the Ray "
        "cluster offers that (they offer 1 edge, 4 ledger_node)",
        "LEDGERFLOW_ACTOR_RESOURCES asks for 1 edge, 1 ledger_node for each gateway, and no node "
        "of the Ray cluster offers that (they offer 1 edge, 4 ledger_node)",
    ]
    nodes[1]["edge"] = 2.0
    nodes[0]["edge"] = 1.0
    assert placement.unplaceable(settings, nodes) == []


def test_a_cluster_refuses_the_embedded_servers() -> None:
    from adapters.config import Misconfigured
    from serve.system import RunningSystem, resolve_servers

    settings = Settings(ray_address="10.0.0.1:6380", database_url=None, kafka_bootstrap="k:9092")
    system = RunningSystem(settings, "http://127.0.0.1:8000", None, False)
    with pytest.raises(Misconfigured, match="set DATABASE_URL to servers that every node reaches"):
        resolve_servers(settings, system, lambda _message: None)
    assert system.postgres is None and system.broker is None  # nothing was started


def test_servers_only_this_machine_reaches_are_named() -> None:
    from serve.system import only_here

    here = Settings(
        database_url="postgresql://postgres@/ledgerflow?host=/run/pg&port=5432",
        kafka_bootstrap="kafka.example.com:9092,[::1]:9093",
        smtp_host="localhost",
        twilio_api_base="http://127.0.0.1:8080",
    )
    assert only_here(here) == ["DATABASE_URL", "KAFKA_BOOTSTRAP", "SMTP_HOST", "TWILIO_API_BASE"]
    reachable = Settings(
        database_url="postgres://app@db.example.com:5432/ledgerflow",
        kafka_bootstrap="10.0.0.5:9092",
        smtp_host="mail.example.com",
        twilio_api_base=None,
    )
    assert only_here(reachable) == []
