"""The three changes ledgerflow makes to the configuration Ray writes for its HAProxy."""

import pytest
from ray.serve._private.haproxy_templates import HAPROXY_CONFIG_TEMPLATE

from serve.haproxy import (
    CLIENT_ADDRESS,
    FRONTEND,
    NOSNIFF,
    on_address,
    owner_only_admin_socket,
    rewritten,
    with_client_address,
)

# The lines of Ray 2.60's template that bind (stats, prometheus, the API's frontend).
CONFIG = """global
    stats socket /tmp/ray/haproxy.sock mode 666 level admin expose-fd listeners
frontend prometheus
    bind :9101
    mode http
frontend http_frontend
    bind 127.0.0.1:8000
listen stats
  bind *:8404
  stats enable
"""


def test_the_frontend_sets_x_forwarded_for_to_the_peer_address_once() -> None:
    changed = with_client_address(CONFIG)
    assert changed.count(CLIENT_ADDRESS) == 1
    assert FRONTEND + CLIENT_ADDRESS in changed
    assert changed.count(NOSNIFF) == 1
    assert with_client_address(changed) == changed


def test_a_configuration_without_the_frontend_is_refused_rather_than_served_blind() -> None:
    with pytest.raises(ValueError, match="http_frontend"):
        with_client_address("defaults\n    mode http\n")


def test_rays_own_template_still_names_the_frontend_this_way() -> None:
    assert FRONTEND in HAPROXY_CONFIG_TEMPLATE


def test_wildcard_binds_move_to_the_address_and_the_rest_stays() -> None:
    assert on_address(CONFIG, "127.0.0.1") == CONFIG.replace(
        "bind :9101", "bind 127.0.0.1:9101"
    ).replace("bind *:8404", "bind 127.0.0.1:8404")


def test_an_ipv6_address_keeps_haproxy_s_last_colon_port_form() -> None:
    assert "bind ::1:8404" in on_address(CONFIG, "::1")


def test_the_admin_socket_is_for_its_owner_only_and_keeps_its_level() -> None:
    changed = owner_only_admin_socket(CONFIG)
    assert "stats socket /tmp/ray/haproxy.sock mode 600 level admin expose-fd listeners" in changed
    assert "mode 666" not in changed


def test_rays_own_template_still_opens_the_admin_socket_this_way() -> None:
    assert "mode 600" in owner_only_admin_socket(HAPROXY_CONFIG_TEMPLATE)
    assert "mode 666" not in owner_only_admin_socket(HAPROXY_CONFIG_TEMPLATE)


def test_every_change_together_and_the_binds_left_for_an_api_on_every_interface() -> None:
    both = owner_only_admin_socket(with_client_address(CONFIG))
    assert rewritten(CONFIG, "127.0.0.1") == on_address(both, "127.0.0.1")
    assert rewritten(CONFIG, None) == both
