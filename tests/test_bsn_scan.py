"""The BSN scan (tests/bsn_scan.py) can fail: a planted BSN is found in every channel, and a
run that leaks one exits non-zero naming the test and the place."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import qrcode
from django.core.mail import EmailMessage
from django.http import HttpResponse
from django.urls import path
from reportlab.pdfgen.canvas import Canvas

from examens.models import Candidate
from monitoring.exports import stream_table
from tests import bsn_scan
from tests.examens.factories import make_bsn

BASE_DIR = Path(__file__).resolve().parent.parent


def leaky_page(request):
    bsn = request.GET["n"]
    return HttpResponse(f"<p>BSN {bsn[:4]}.{bsn[4:6]}.{bsn[6:]}</p>")


def leaky_export(request):
    return stream_table(filename="x", columns=["bsn"], rows=[[request.GET["n"]]], fmt="xlsx")


urlpatterns = [
    path("leak/", leaky_page, name="leak"),
    path("leak.xlsx", leaky_export, name="leak-xlsx"),
]


@pytest.mark.urls(__name__)
def test_a_planted_bsn_is_found_in_every_channel(client, settings):
    settings.PUBLIC_URL_NAMES = {*settings.PUBLIC_URL_NAMES, "leak"}
    number = make_bsn()
    spaced = f"{number[:4]} {number[4:6]} {number[6:]}"
    stream = io.StringIO()
    plain_handler = logging.StreamHandler(stream)  # a handler without the mask
    logger = logging.getLogger("tests.planted")
    logger.addHandler(plain_handler)

    with bsn_scan.isolated() as scan:
        Candidate(bsn=number)  # test data: its BSN is now looked for
        client.get("/leak/", {"n": number})
        EmailMessage("Uitnodiging", f"Kandidaat {spaced}", to=["a@example.nl"]).send()
        logger.warning("looked up %s", number)
        logging.getLogger("django.server").info('"GET /candidates/?q=%s HTTP/1.1" 200 1', number)
        buffer = io.BytesIO()
        pdf = Canvas(buffer)
        pdf.drawString(100, 700, f"BSN {number}")
        pdf.save()
        qrcode.make(f"https://examens.example.nl/c/v/x?bsn={number}")

    channels = sorted({finding.channel for finding in scan.findings})
    assert channels == ["PDFs", "QR payloads", "log records", "mails", "responses"]
    assert len(scan.findings) == 5  # the access log masked its line: no finding there
    report = "\n".join(scan.failures())
    assert "test_a_planted_bsn_is_found_in_every_channel" in report
    assert "GET /leak/" in report
    assert "logger tests.planted via StreamHandler" in report
    assert number not in report  # the report itself shows the number masked
    assert not any(f.test == "" for f in scan.findings)
    assert number not in bsn_scan.active().bsns  # the session's scan never saw it
    logger.removeHandler(plain_handler)


@pytest.mark.urls(__name__)
def test_a_bsn_inside_a_streamed_workbook_is_found(client, settings):
    settings.PUBLIC_URL_NAMES = {*settings.PUBLIC_URL_NAMES, "leak-xlsx"}
    number = make_bsn()
    with bsn_scan.isolated() as scan:
        Candidate(bsn=number)
        response = client.get("/leak.xlsx", {"n": number})
        b"".join(response.streaming_content)  # the scan reads the body as it is sent
    assert [finding.channel for finding in scan.findings] == ["responses"]


def test_the_scan_looks_for_every_written_form():
    scan = bsn_scan.BsnScan()
    number = make_bsn()
    scan.add_bsn(number)
    forms = [
        number,
        f"{number[:4]}.{number[4:6]}.{number[6:]}",
        f"{number[:4]} {number[4:6]} {number[6:]}",
        f"{number[:3]} {number[3:6]} {number[6:]}",
        f"{number[:3]}-{number[3:6]}-{number[6:]}",
    ]
    for form in forms:
        scan.scan_text("responses", f"<td>{form}</td>", "a page")
    scan.scan_text("responses", f"{number}1 1{number} *****{number[5:]}", "no BSN here")

    assert len(scan.findings) == len(forms)
    assert scan.counts["responses"] == len(forms) + 1


PLANTED_TEST = """
import logging

def test_leaks_a_bsn_into_a_log():
    from examens.models import Candidate
    Candidate(bsn="{number}")
    logger = logging.getLogger("planted")
    logger.addHandler(logging.StreamHandler())
    logger.warning("candidate {number}")
"""


def test_a_run_that_leaks_a_bsn_fails(tmp_path):
    """The whole mechanism, in a pytest run of its own: exit status 1 and the report."""
    number = make_bsn()
    test_file = tmp_path / "test_planted.py"
    test_file.write_text(PLANTED_TEST.format(number=number))
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "DJANGO_SECRET_KEY": "x" * 50}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.bsn_scan",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            str(BASE_DIR / "pyproject.toml"),
            str(test_file),
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr

    assert result.returncode == 1, output
    assert "1 passed" in output
    assert "BSN scan FAILED" in output
    assert "test_planted.py::test_leaks_a_bsn_into_a_log: log records" in output
    assert f"*****{number[5:]}" in output
