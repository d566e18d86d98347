"""The client address every limit counts: X-Forwarded-For only from trusted proxies."""

import pytest
from django.test import RequestFactory

from examens.addresses import client_address

factory = RequestFactory()


def address(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(factory.get("/", **extra))


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []

    assert address("198.51.100.7", "203.0.113.1") == "198.51.100.7"
    assert address("198.51.100.7", "203.0.113.2") == "198.51.100.7"


def test_behind_a_trusted_proxy_the_client_it_saw_is_counted(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]

    assert address("10.0.0.5", "203.0.113.1") == "203.0.113.1"
    assert address("10.0.0.5", "203.0.113.2") == "203.0.113.2"


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]

    assert address("198.51.100.7", "203.0.113.1") == "198.51.100.7"


def test_addresses_the_client_wrote_itself_are_not_believed(settings):
    """The client sends `X-Forwarded-For: 192.0.2.99`; our proxy appends what it saw."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]

    spoofed = "192.0.2.99, 203.0.113.1"
    through_two_proxies = "192.0.2.99, 203.0.113.1, 10.0.0.6"

    assert address("10.0.0.5", spoofed) == "203.0.113.1"
    assert address("10.0.0.5", through_two_proxies) == "203.0.113.1"


def test_a_trusted_proxy_without_a_usable_header_counts_as_itself(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]

    assert address("10.0.0.5") == "10.0.0.5"
    assert address("10.0.0.5", "not an address") == "10.0.0.5"


def test_ipv6_clients_are_counted_by_their_64_network(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]

    assert address("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert address("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address("10.0.0.5", "[2001:db8:1:3::1]:4711") == "2001:db8:1:3::/64"


def test_ports_and_mapped_ipv4_are_normalised(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]

    assert address("::ffff:198.51.100.7") == "198.51.100.7"
    assert address("10.0.0.5", "203.0.113.1:50123") == "203.0.113.1"


def test_a_bad_trusted_proxy_entry_is_named(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5", "proxy.example"]

    with pytest.raises(ValueError, match="TRUSTED_PROXIES: 'proxy.example'"):
        address("10.0.0.5", "203.0.113.1")
