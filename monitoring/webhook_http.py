"""Sending one webhook request: stdlib http.client, a timeout, no redirects, no SSRF.

- HTTPS only. `settings.WEBHOOK_ALLOW_LOOPBACK` (tests, the demo; never in the
  production profile) also allows http:// and https:// to a loopback host.
- Never a private, loopback, link-local, multicast or reserved address: the host is
  resolved on every send, every address it resolves to must be public, and the
  connection goes to the address that was checked (pinned), with the certificate
  checked against the host name; a DNS answer that changes between the check and
  the connection cannot point the request inward.
- Redirects are not followed (http.client never follows them): a 3xx is a failure.
- Connect and read time out after `settings.WEBHOOK_TIMEOUT_SECONDS`; at most
  MAX_RESPONSE_BYTES of the answer are read, and nothing of it is kept.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from examens.exceptions import ExamAdminError

MAX_RESPONSE_BYTES = 64 * 1024
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class WebhookUrlRefused(ExamAdminError):
    code = "webhook_url_refused"
    default_message = _(
        "Give an https:// address of a public server (no user name, no private address)."
    )


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the receiver's status code, or the kind of failure."""

    status: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _is_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_loopback


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _allowed(address_text: str, *, allow_loopback: bool) -> bool:
    address = ipaddress.ip_address(address_text.split("%", 1)[0])
    return _is_public(address) or (allow_loopback and _is_loopback(address))


def check_url(url: str, *, allow_loopback: bool) -> None:
    """Refuse (WebhookUrlRefused, field `url`) an address we would never send to.

    Checks the form only (no DNS): the scheme, no user name or password, a host, and
    for an address given as a number, that it is public. The send checks the
    resolved addresses again."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookUrlRefused(field="url") from error
    host = (parts.hostname or "").lower()
    loopback_host = host in LOOPBACK_NAMES
    if not host or parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused(field="url")
    if parts.scheme != "https" and not (
        parts.scheme == "http" and allow_loopback and loopback_host
    ):
        raise WebhookUrlRefused(field="url")
    if port == 0:
        raise WebhookUrlRefused(field="url")
    if host == "localhost" and not allow_loopback:
        raise WebhookUrlRefused(field="url")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    if not _allowed(host, allow_loopback=allow_loopback):
        raise WebhookUrlRefused(field="url")


def _resolve(host: str, port: int, *, allow_loopback: bool) -> str:
    """The first address of `host`; WebhookUrlRefused when any address is not allowed."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_allowed(a, allow_loopback=allow_loopback) for a in addresses):
        raise WebhookUrlRefused(field="url")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_loopback: bool
) -> Answer:
    """POST `body` to `url` once. Never raises for the receiver's faults: the Answer
    holds the status code, or the kind of failure (`connection refused`, `timeout`, ...)."""
    try:
        check_url(url, allow_loopback=allow_loopback)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = _resolve(host, port, allow_loopback=allow_loopback)
    except WebhookUrlRefused:
        return Answer(None, "address refused")
    except OSError:
        return Answer(None, "name not resolved")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address=address, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={**headers, "User-Agent": USER_AGENT})
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return Answer(response.status)
    except ConnectionRefusedError:
        return Answer(None, "connection refused")
    except TimeoutError:
        return Answer(None, "timeout")
    except ssl.SSLError:
        return Answer(None, "TLS error")
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, type(error).__name__)
    finally:
        connection.close()


USER_AGENT = "Examenbeheer-Webhooks/1"
