"""The public verification page and JSON show nothing beyond what the certificate prints.

The certificate is the home world's, issued the way the product issues it; its
PDF is rendered and its text read back. Every field of the public answer about
the holder must be printed on the PDF; the answer's other fields are the
verdict and the signing key (its id printed, its window the published key
list's). A field that is not on the list fails the test until it is shown to be
printed; nothing the register holds and the PDF does not print (BSN, e-mail,
term, bookings, scores, decisions) appears anywhere in the answer.
"""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from certificates.models import Certificate
from certificates.pdf import outcome_texts
from certificates.selectors import public_keys_document
from certificates.storage import certificate_pdf
from examens.models import Regime, Route
from examens.privacy import mask_bsn
from grading.models import Result
from scheduling.models import Booking
from tests.certificates.test_pdf import page_text

from .world import Home

pytestmark = pytest.mark.django_db

HOLDER_FIELDS = {
    "serial",
    "given_names",
    "family_name",
    "date_of_birth",
    "regime",
    "route",
    "issuer",
    "issued_on",
    "components",
}
VERDICT_FIELDS = {"outcome", "message", "status", "key", "certificate"}


def printed_text(certificate: Certificate) -> str:
    """The PDF's text, with PDF string escapes undone."""
    return re.sub(r"\\(.)", r"\1", page_text(certificate_pdf(certificate)))


def printed_dates(text: str) -> set[datetime.date]:
    return {
        datetime.date(int(y), int(m), int(d))
        for d, m, y in re.findall(r"\b(\d{2})-(\d{2})-(\d{4})\b", text)
    }


def not_printed(home: Home) -> set[str]:
    """What the register holds about the holder and the PDF does not print."""
    candidate = home.candidate
    values = {
        candidate.bsn,
        mask_bsn(candidate.bsn),
        candidate.email,
        candidate.term_start.isoformat(),
        candidate.term_end.isoformat(),
        "Alfadossier reden",
        home.room.name,
        home.organisation.name,
        *Booking.objects.filter(candidate=candidate).values_list("reference", flat=True),
    }
    for result in Result.objects.filter(candidate=candidate):
        values.add(f'"raw_score": {result.raw_score}')
        values.add(f'"scale_score": {result.scale_score}')
    return {value for value in values if value}


def test_public_json_holds_only_printed_facts_the_verdict_and_the_key(client, home):
    certificate = home.certificate
    text = printed_text(certificate)
    dates = printed_dates(text)

    response = client.get(reverse("certificates:verify-json", args=[certificate.payload]))
    body = response.json()
    holder = body["certificate"]

    assert body["outcome"] == "valid"
    assert set(body) <= VERDICT_FIELDS
    assert set(body["message"]) == {"nl", "en"}
    assert set(holder) == HOLDER_FIELDS, "a new public field: show it is printed, then list it"
    assert holder["serial"] in text
    assert f"{holder['given_names']} {holder['family_name']}" in text
    assert datetime.date.fromisoformat(holder["date_of_birth"]) in dates
    assert datetime.date.fromisoformat(holder["issued_on"]) in dates
    assert Regime.objects.get(code=holder["regime"]).name_nl in text
    assert Route.objects.get(code=holder["route"], regime__code=holder["regime"]).name_nl in text
    assert holder["issuer"] in text
    for item in holder["components"]:
        assert set(item) == {"code", "outcome", "level"}
        assert f"({item['code']})" in text
        assert all(part in text for part in outcome_texts(item["outcome"], item["level"]))
    assert set(body["key"]) == {"key_id", "valid_from", "valid_until"}
    assert f"Sleutel / Key: {body['key']['key_id']}" in text
    published = {row["key_id"]: row for row in public_keys_document()["keys"]}
    assert published[body["key"]["key_id"]]["valid_from"] == body["key"]["valid_from"]
    content = response.content.decode()
    assert [value for value in not_printed(home) if value in content] == []


class Fields(HTMLParser):
    """The page's definition lists as (term, definition) and its table cells, as text."""

    def __init__(self):
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self.cells: list[str] = []
        self._tag: str | None = None
        self._text = ""
        self._term = ""

    def handle_starttag(self, tag, attrs):
        if tag in ("dt", "dd", "td"):
            self._tag, self._text = tag, ""

    def handle_endtag(self, tag):
        if tag != self._tag:
            return
        value = " ".join(self._text.split())
        if tag == "dt":
            self._term = value
        elif tag == "dd":
            self.pairs.append((self._term, value))
        else:
            self.cells.append(value)
        self._tag = None

    def handle_data(self, data):
        if self._tag:
            self._text += data


def test_public_page_shows_only_printed_facts_the_verdict_and_the_key(client, home):
    certificate = home.certificate
    text = printed_text(certificate)
    with translation.override("en"):
        dates = {formats.date_format(d, "j F Y") for d in printed_dates(text)}
    key = next(
        row
        for row in public_keys_document()["keys"]
        if row["key_id"] == certificate.signing_key.key_id
    )
    with translation.override("en"):
        window = formats.date_format(
            # The page gives the day in Europe/Amsterdam, as every date it shows.
            timezone.localtime(datetime.datetime.fromisoformat(key["valid_from"])).date(),
            "j F Y",
        )
    client.cookies["django_language"] = "en"

    response = client.get(reverse("certificates:verify", args=[certificate.payload]))
    page = Fields()
    page.feed(response.content.decode())

    def parts(value: str) -> list[str]:
        return [part for part in re.split(r" / | — ", value) if part]

    checks = {
        "Name": lambda v: v in text,
        "Date of birth": lambda v: v in dates,
        "Issue date": lambda v: v in dates,
        "Learning route": lambda v: all(part in text for part in parts(v)),
        "Issued by": lambda v: v in text,
        "Serial number": lambda v: v in text,
        "Signing key": lambda v: v == f"{key['key_id']} (Ed25519)" and key["key_id"] in text,
        "Key valid": lambda v: v == f"{window} – current key" and key["valid_until"] is None,
    }
    assert {term for term, _ in page.pairs} == set(checks), "a new field: show it is printed"
    for term, value in page.pairs:
        assert checks[term](value), (term, value)
    assert page.cells, "the components table"
    for cell in page.cells:
        assert all(part in text for part in parts(cell)), cell
    content = response.content.decode()
    assert [value for value in not_printed(home) if value in content] == []
