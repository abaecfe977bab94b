"""ray-cluster.yaml must be a valid Ray cluster-launcher config for the installed Ray."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from actors import placement
from adapters.config import Settings

yaml = pytest.importorskip("yaml")
jsonschema = pytest.importorskip("jsonschema")
ray_autoscaler = pytest.importorskip("ray.autoscaler")

REPO = Path(__file__).resolve().parents[2]
CLUSTER_YAML = REPO / "ray-cluster.yaml"
SCHEMA = Path(ray_autoscaler.__file__).parent / "ray-schema.json"


@pytest.fixture(scope="module")
def config() -> dict:
    with CLUSTER_YAML.open() as f:
        return yaml.safe_load(f)


def test_schema_ships_with_ray() -> None:
    assert SCHEMA.is_file(), SCHEMA


def test_raw_yaml_matches_ray_json_schema(config: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(config, schema)


def test_ray_validate_config_after_prepare(config: dict) -> None:
    # What `ray up` does: fill the provider defaults, then validate.
    from ray.autoscaler._private.util import prepare_config, validate_config

    prepared = prepare_config(copy.deepcopy(config))
    validate_config(prepared)
    assert prepared["head_node_type"] in prepared["available_node_types"]


def test_schema_rejects_unknown_keys(config: dict) -> None:
    # Guard that the validation above is real: the schema forbids extra top-level keys.
    from ray.autoscaler._private.util import validate_config

    bad = copy.deepcopy(config)
    bad["not_a_ray_key"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validate_config(bad)


def test_cluster_installs_and_starts_ledgerflow(config: dict) -> None:
    setup = " ".join(config["setup_commands"])
    assert "pip install -e ~/ledgerflow" in setup
    assert "-m serve.haproxy --write-script ~/lf-haproxy" in setup
    assert config["file_mounts"]["~/ledgerflow"] == "."
    head = " ".join(config["head_start_ray_commands"])
    workers = " ".join(config["worker_start_ray_commands"])
    assert "ray start --head" in head
    assert "--port=6379" not in head  # Redis owns 6379 on our hosts
    assert "--port=6380" in head and ":6380" in workers
    for cmds in (head, workers):  # Serve flags must reach every raylet's environment
        assert "RAY_SERVE_THROUGHPUT_OPTIMIZED=1" in cmds
        assert "RAY_SERVE_ENABLE_HA_PROXY=1" in cmds
        assert "RAY_SERVE_HAPROXY_BINARY_PATH=$HOME/lf-haproxy" in cmds


def _offered(commands: list[str]) -> dict[str, float]:
    [resources] = re.findall(r"--resources='([^']*)'", " ".join(commands))
    return dict(json.loads(resources))


def test_every_node_offers_the_resource_that_places_actors_on_it(config: dict) -> None:
    head = _offered(config["head_start_ray_commands"])
    worker = _offered(config["worker_start_ray_commands"])
    assert head == {"ledgerflow_head": 100} and worker == {"ledgerflow_worker": 100}
    # README's placement: the API on the head, the shards and couriers on the workers.
    on_head = {"ledgerflow_head": 1}
    on_workers = {"ledgerflow_worker": 1}
    readme = {
        "gateway": on_head,
        "users": on_head,
        "tokens": on_head,
        "ledger-shard": on_workers,
        "courier": on_workers,
    }
    settings = Settings(
        **{"LEDGERFLOW_ACTOR_RESOURCES": readme},  # type: ignore[arg-type]
        smtp_host="mail.example.com",
        twilio_account_sid="AC0",
        twilio_auth_token="secret",
        twilio_from_number="+15005550006",
    )
    assert placement.unplaceable(settings, [head, worker]) == []
    assert placement.unplaceable(settings, [head]) != []  # no worker: the shards have no node
