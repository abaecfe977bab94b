"""The one line ledgerflow-haproxy adds to Serve's HAProxy configuration."""

import pytest
from ray.serve._private.haproxy_templates import HAPROXY_CONFIG_TEMPLATE

from serve.haproxy import CLIENT_ADDRESS, FRONTEND, with_client_address

CONFIG = "defaults\n    mode http\nfrontend http_frontend\n    bind 127.0.0.1:8000\n"


def test_the_frontend_sets_x_forwarded_for_to_the_peer_address_once() -> None:
    changed = with_client_address(CONFIG)
    assert changed.count(CLIENT_ADDRESS) == 1
    assert FRONTEND + CLIENT_ADDRESS in changed
    assert with_client_address(changed) == changed


def test_a_configuration_without_the_frontend_is_refused_rather_than_served_blind() -> None:
    with pytest.raises(ValueError, match="http_frontend"):
        with_client_address("defaults\n    mode http\n")


def test_rays_own_template_still_names_the_frontend_this_way() -> None:
    assert FRONTEND in HAPROXY_CONFIG_TEMPLATE
