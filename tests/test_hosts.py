"""The Host headers `serve` and `label` answer: one rule for both, IPv6 bracketed as in a header."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from vnstance.cli import _allowed_hosts


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", ["127.0.0.1", "localhost", "[::1]"]),
    ("0.0.0.0", ["127.0.0.1", "localhost", "[::1]"]),
    ("::1", ["127.0.0.1", "localhost", "[::1]"]),
    ("fd00::5", ["127.0.0.1", "localhost", "[::1]", "[fd00::5]"]),
    ("10.0.0.5", ["127.0.0.1", "localhost", "[::1]", "10.0.0.5"]),
])
def test_default_hosts(host, expected):
    assert _allowed_hosts(host) == expected


def test_given_hosts_add_to_the_default():
    # --allowed-host adds to the loopback names: the machine's own clients keep working
    assert _allowed_hosts("0.0.0.0", ("stance.example.org",)) == ["127.0.0.1", "localhost", "[::1]",
                                                                  "stance.example.org"]


def test_serve_answers_a_bracketed_ipv6_host_header(model):
    from vnstance.service import create_app

    client = TestClient(create_app(model, allowed_hosts=_allowed_hosts("::1")))
    assert client.get("/healthz", headers={"host": "[::1]:8000"}).status_code == 200
    assert client.get("/healthz", headers={"host": "evil.example:8000"}).status_code == 400
