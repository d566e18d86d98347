"""A pytest plugin that scans everything the suite produces for a BSN of the test data.

Registered by tests/conftest.py (`pytest_plugins`). While the suite runs it sees,
as they are produced:

- every HTTP response the product renders (pages, API, JSON, iCalendar, CSV, PDF
  downloads), through Django's request handler, headers included (a redirect's
  Location, a Content-Disposition file name);
- every mail sent (subject, recipients, body, alternatives, attachments);
- every log record as a handler of the product emits it (what lands in a log
  file, on the console or in the admin's mail), pytest's own capture excluded;
- every PDF reportlab writes (its text, metadata and link annotations, read back
  with pypdf) and every PDF served or attached;
- every QR payload (`qrcode.QRCode.add_data`: certificates, invitations, enrolment).

The BSNs of the test data are every BSN a `Candidate` was built with (factories,
the demo world, fixtures: the `post_init` signal sees them all). A text contains a
BSN when a run of nine digits, plain or with single spaces, dots or hyphens between
them (`123456782`, `1234.56.782`, `1234 56 782`, `123 456 782`), equals one.

At the end of the session a finding fails the run (exit status 1) and is listed with
the test that produced it, the channel and where; the counts of what was scanned are
printed either way ("BSN scan: ...").
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

# Nine digits, each pair optionally separated by one space, dot, hyphen or no-break space.
BSN_SHAPE = re.compile(r"(?<!\d)\d(?:[ .\-\u00a0]?\d){8}(?!\d)")
SNIPPET = 40
CHANNELS = ("responses", "mails", "log records", "PDFs", "QR payloads")


def _mask(digits: str) -> str:
    return "*****" + digits[-4:]


@dataclass(frozen=True)
class Finding:
    test: str
    channel: str
    where: str
    snippet: str

    def line(self) -> str:
        return f"{self.test}: {self.channel} {self.where}: ...{self.snippet}..."


@dataclass
class BsnScan:
    """What was scanned, the BSNs looked for and what was found."""

    bsns: set[str] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    current_test: str = "(outside a test)"
    _pdf_texts: dict[str, str] = field(default_factory=dict)

    def add_bsn(self, value) -> None:
        digits = "".join(ch for ch in str(value or "") if ch.isdigit())
        if len(digits) == 9:
            self.bsns.add(digits)

    def scan_text(self, channel: str, text: str, where: str) -> None:
        self.counts[channel] += 1
        self.counts["characters"] += len(text)
        if not self.bsns:
            return
        for match in BSN_SHAPE.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if digits in self.bsns:
                start, end = match.span()
                before = text[max(0, start - SNIPPET) : start]
                after = text[end : end + SNIPPET]
                snippet = (before + _mask(digits) + after).replace("\n", " ")
                self.findings.append(Finding(self.current_test, channel, where, snippet))

    def scan_pdf(self, channel: str, data: bytes, where: str) -> None:
        self.scan_text(channel, pdf_text(data, self._pdf_texts), where)

    def failures(self) -> list[str]:
        return [finding.line() for finding in self.findings]

    def summary(self) -> str:
        scanned = ", ".join(f"{self.counts[name]} {name}" for name in CHANNELS)
        return (
            f"BSN scan: {scanned} ({self.counts['characters']} characters) "
            f"for {len(self.bsns)} BSNs of the test data: {len(self.findings)} found"
        )


def pdf_text(data: bytes, cache: dict[str, str] | None = None) -> str:
    """The text a PDF shows: page text, metadata and link targets (pypdf)."""
    digest = hashlib.sha256(data).hexdigest()
    if cache is not None and digest in cache:
        return cache[digest]
    from pypdf import PdfReader  # dev dependency, only needed while scanning

    parts: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            parts.extend(str(value) for value in (reader.metadata or {}).values())
            for page in reader.pages:
                parts.append(page.extract_text() or "")
                for annotation in page.get("/Annots") or []:
                    action = annotation.get_object().get("/A") or {}
                    if "/URI" in action:
                        parts.append(str(action["/URI"]))
    except Exception:  # noqa: BLE001 - not a PDF pypdf can read: scan its bytes as they are
        parts = [data.decode("latin-1")]
    text = "\n".join(parts)
    if cache is not None:
        cache[digest] = text
    return text


# The scan the hooks report to; `isolated()` swaps it for a test that plants a BSN.
_active: list[BsnScan] = [BsnScan()]


def active() -> BsnScan:
    return _active[-1]


@contextlib.contextmanager
def isolated() -> Iterator[BsnScan]:
    """A fresh scan for the duration of the block; the session's scan is left untouched."""
    scan = BsnScan(current_test=active().current_test)
    _active.append(scan)
    try:
        yield scan
    finally:
        _active.remove(scan)


# --- where things are produced ------------------------------------------------------------


def _scan_response(request, response) -> None:
    scan = active()
    where = f"{request.method} {request.path}"
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    if response.streaming:
        chunks: list[bytes] = []

        def scanned(content):
            for chunk in content:
                chunks.append(bytes(chunk))
                yield chunk
            _scan_body(scan, response, b"".join(chunks), headers, where)

        response.streaming_content = scanned(response.streaming_content)
        return
    _scan_body(scan, response, response.content, headers, where)


def _scan_body(scan: BsnScan, response, body: bytes, headers: str, where: str) -> None:
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf"):
        scan.counts["PDFs"] += 1
        scan.scan_text("responses", headers + "\n\n" + pdf_text(body, scan._pdf_texts), where)
        return
    if content_type.startswith("application/vnd.openxmlformats-officedocument"):
        # A workbook is a zip: its deflated parts hide their text from a plain scan.
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        scan.scan_text("responses", headers + "\n\n" + "\n".join(parts), where)
        return
    if content_type.startswith(("image/", "application/octet-stream")):
        scan.scan_text("responses", headers, where)  # a QR image's payload is scanned at add_data
        return
    scan.scan_text("responses", headers + "\n\n" + body.decode("utf-8", "replace"), where)


def _scan_message(message) -> None:
    scan = active()
    where = f"to {', '.join(message.to)}: {message.subject[:60]!r}"
    parts = [message.subject, message.body, *message.to, *message.cc, *message.bcc]
    parts.extend(str(content) for content, _mimetype in getattr(message, "alternatives", []))
    for attachment in message.attachments:
        if isinstance(attachment, tuple):
            name, content, mimetype = attachment
            if mimetype == "application/pdf" and isinstance(content, bytes):
                scan.scan_pdf("mails", content, f"{where} attachment {name}")
            elif isinstance(content, str) or (mimetype or "").startswith("text/"):
                text = content if isinstance(content, str) else content.decode("utf-8", "replace")
                parts.append(f"{name}\n{text}")
            else:
                parts.append(str(name))
        else:
            parts.append(attachment.as_string())
    scan.scan_text("mails", "\n".join(parts), where)


def _is_test_machinery(handler: logging.Handler) -> bool:
    return type(handler).__module__.startswith("_pytest")


def install() -> None:
    """Wrap the producers. Called once per process, at configure time."""
    import qrcode
    from django.core.handlers.base import BaseHandler
    from django.core.mail.backends.locmem import EmailBackend
    from django.db.models.signals import post_init
    from reportlab.pdfgen.canvas import Canvas

    from examens.models import Candidate

    get_response = BaseHandler.get_response

    def scanned_get_response(self, request):
        response = get_response(self, request)
        _scan_response(request, response)
        return response

    BaseHandler.get_response = scanned_get_response  # type: ignore[method-assign]

    send_messages = EmailBackend.send_messages

    def scanned_send_messages(self, messages):
        for message in messages:
            _scan_message(message)
        return send_messages(self, messages)

    EmailBackend.send_messages = scanned_send_messages  # type: ignore[method-assign]

    handle = logging.Handler.handle

    def scanned_handle(self, record):
        emitted = handle(self, record)
        if emitted and not _is_test_machinery(self):
            try:
                text = self.format(record)
            except Exception:  # noqa: BLE001 - what the handler itself could not format
                text = str(record.msg)
            active().scan_text(
                "log records", text, f"logger {record.name} via {type(self).__name__}"
            )
        return emitted

    logging.Handler.handle = scanned_handle  # type: ignore[method-assign]

    save = Canvas.save

    def scanned_save(self):
        save(self)
        target = self._filename
        if hasattr(target, "getvalue"):
            active().scan_pdf("PDFs", target.getvalue(), "rendered by reportlab")

    Canvas.save = scanned_save  # type: ignore[method-assign]

    add_data = qrcode.QRCode.add_data

    def scanned_add_data(self, data, optimize=20):
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
        active().scan_text("QR payloads", text, "QR code")
        return add_data(self, data, optimize)

    qrcode.QRCode.add_data = scanned_add_data  # type: ignore[method-assign]

    def collect_bsn(sender, instance, **kwargs):
        # Deferred loads (`.only(...)` without the BSN) must not fetch it.
        if "bsn" in instance.__dict__:
            active().add_bsn(instance.bsn)

    post_init.connect(collect_bsn, sender=Candidate, weak=False, dispatch_uid="bsn-scan")


# --- pytest hooks -------------------------------------------------------------------------


def pytest_configure(config) -> None:
    install()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    active().current_test = item.nodeid


def pytest_sessionfinish(session, exitstatus) -> None:
    if active().findings and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    scan = active()
    terminalreporter.write_line(scan.summary())
    if scan.findings:
        terminalreporter.write_line(
            f"BSN scan FAILED: a BSN of the test data in {len(scan.findings)} outputs:", red=True
        )
        for line in scan.failures()[:200]:
            terminalreporter.write_line(f"  {line}")
