"""Where a webhook may go: https to public addresses only; DNS checked on every send."""

from __future__ import annotations

import socket

import pytest

from monitoring.webhook_http import Answer, WebhookUrlRefused, check_url, post


@pytest.mark.parametrize(
    "url",
    [
        "http://zaken.example.nl/",
        "https://127.0.0.1/",
        "https://localhost/",
        "https://[::1]/",
        "https://10.1.2.3/",
        "https://192.168.0.1/",
        "https://172.16.0.1/",
        "https://169.254.169.254/",
        "https://[::ffff:10.0.0.1]/",
        "https://[fe80::1]/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://user@zaken.example.nl/",
        "https://:pw@zaken.example.nl/",
        "https://zaken.example.nl:0/",
        "https://zaken.example.nl:99999/",
        "https:///path",
        "javascript:alert(1)",
    ],
)
def test_addresses_we_never_send_to_are_refused(url):
    with pytest.raises(WebhookUrlRefused):
        check_url(url, allow_loopback=False)


@pytest.mark.parametrize(
    "url", ["https://zaken.example.nl/hooks?x=1", "https://93.184.215.14:8443/", "HTTPS://A.NL/"]
)
def test_public_https_addresses_pass(url):
    check_url(url, allow_loopback=False)


def test_loopback_only_when_allowed_and_never_a_private_network():
    check_url("http://127.0.0.1:8080/hooks", allow_loopback=True)
    check_url("http://localhost:8080/hooks", allow_loopback=True)
    with pytest.raises(WebhookUrlRefused):
        check_url("http://10.0.0.1/", allow_loopback=True)
    with pytest.raises(WebhookUrlRefused):
        check_url("http://zaken.example.nl/", allow_loopback=True)


def test_a_name_that_resolves_inward_is_refused_at_send_time(monkeypatch):
    """The DNS answer is the outside world: a public name now pointing at 10.0.0.7."""

    def resolve(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    assert post(
        "https://zaken.example.nl/hooks", b"{}", {}, timeout=1, allow_loopback=False
    ) == Answer(None, "address refused")
