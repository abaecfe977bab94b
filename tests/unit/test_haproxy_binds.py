"""Ray's HAProxy configuration with its wildcard listeners moved to the API's address."""

from serve.haproxy_binds import on_address

# The lines of Ray 2.60's template that bind (stats, prometheus, the API's frontend).
CONFIG = """frontend prometheus
    bind :9101
    mode http
frontend http_frontend
    bind 127.0.0.1:8000
listen stats
  bind *:8404
  stats enable
"""


def test_wildcard_binds_move_to_the_address_and_the_rest_stays() -> None:
    assert on_address(CONFIG, "127.0.0.1") == CONFIG.replace(
        "bind :9101", "bind 127.0.0.1:9101"
    ).replace("bind *:8404", "bind 127.0.0.1:8404")


def test_an_ipv6_address_keeps_haproxy_s_last_colon_port_form() -> None:
    assert "bind ::1:8404" in on_address(CONFIG, "::1")
