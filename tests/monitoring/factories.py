"""Factories and the local receiver of the webhook tests."""

from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass, field

from examens.models import Organisation, Role, User
from monitoring.services import register_webhook_endpoint
from monitoring.webhook_models import WebhookEndpoint, WebhookEvent
from monitoring.webhook_signing import SIGNATURE_HEADER, verify_signature
from tests.conftest import fresh_factor
from tests.examens.factories import MembershipFactory


def admin_of(organisation: Organisation) -> User:
    """An admin of `organisation` who has just entered a code."""
    return fresh_factor(MembershipFactory(organisation=organisation, role=Role.ADMIN).user)


def endpoint_for(
    organisation: Organisation, url: str, *, events: list[str] | None = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint through the service: (endpoint, its secret)."""
    return register_webhook_endpoint(
        organisation,
        actor=admin_of(organisation),
        name=f"Zaaksysteem {organisation.name}",
        url=url,
        event_types=events or list(WebhookEvent.values),
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 in a thread: records every request and answers
    with the next of `statuses` (then 200). `verify(secret, now)` checks signatures."""

    port: int = 0
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    _server: http.server.ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def verify(self, request: Received, secret: str, *, now: float) -> bool:
        return verify_signature(
            secret, header=request.headers.get(SIGNATURE_HEADER, ""), body=request.body, now=now
        )
