"""The client's address, as every limit counts it (login, second factor, verification).

Behind a reverse proxy REMOTE_ADDR is the proxy, so every user would share one
bucket. `X-Forwarded-For` is believed only as far as it was written by a proxy
named in settings.TRUSTED_PROXIES (addresses or networks): walking the header
from the right, each hop appended by a trusted proxy is skipped, and the first
address that is not a trusted proxy is the client. Without TRUSTED_PROXIES the
header is ignored, so nobody can pick their own bucket by sending it
(decision 0012).

Limits count an IPv6 client by its /64 network: one subscriber gets a whole
/64 and could otherwise take a new address for every attempt.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"
IPV6_PREFIX = 64


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES as networks; a bad entry stops the start with its name."""
    networks = []
    for entry in proxies:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as error:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is no address or network") from error
    return tuple(networks)


def trusted_proxies() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def parse_address(value: str) -> IPAddress | None:
    """An address as a proxy writes it: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:443`,
    `2001:db8::1`; IPv4-mapped IPv6 as IPv4. None for anything else."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> IPAddress | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For hop before our proxies."""
    address = parse_address(request.META.get("REMOTE_ADDR") or "")
    networks = trusted_proxies()
    if address is None or not networks or not _is_trusted(address, networks):
        return address
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        parsed = parse_address(hop)
        if parsed is None:
            # Our proxy wrote nothing usable: count the proxy itself, never the client's text.
            return address
        address = parsed
        if not _is_trusted(address, networks):
            return address
    return address  # every hop is one of our proxies: the request came from inside


def address_bucket(address: IPAddress | None) -> str:
    """What limits count: the IPv4 address, or the /64 network of an IPv6 address."""
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def client_address(request: HttpRequest) -> str:
    """The bucket the limits count this request in (see `client_ip`, `address_bucket`)."""
    return address_bucket(client_ip(request))
