"""The exchange API's certificates: a town's own residents only, revocations without the
internal note or a BSN, a cursor walk that sees every certificate once, the schema."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import issue_certificate, revoke_certificate
from examens.audit import SYSTEM
from examens.models import ApiToken, Role
from examens.services import revoke_api_token
from tests.certificates.conftest import Grading, key_and_file_storage  # noqa: F401 (fixture)
from tests.conftest import fresh_factor
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    MembershipFactory,
    OrganisationFactory,
    ProviderFactory,
    UserFactory,
)

from .exchange_factories import CERTIFICATES, auth_for, queries_of_a_page, walk

pytestmark = pytest.mark.django_db

SCOPE = ["certificates:read"]
# The internal note of a revocation: free text a person typed (decision 0011).
NOTE = "Vervalst dossier; gesprek met mevrouw op het gemeentehuis"
FIELDS = {
    "id",
    "serial",
    "candidate",
    "regime",
    "route",
    "status",
    "reason_code",
    "status_changed_at",
    "issued_on",
    "issued_at",
    "verification_url",
}


@pytest.fixture
def issue(db):
    grading = Grading()

    def issue(town):
        candidate = CandidateFactory(municipality=town)
        grading.complete(candidate)
        return issue_certificate(candidate, actor=SYSTEM)

    return issue


def revoke(certificate, *, note=NOTE):
    officer = fresh_factor(MembershipFactory(organisation=AgencyFactory(), role=Role.OFFICER).user)
    return revoke_certificate(certificate, actor=officer, reason_code="fraud", reason=note)


def test_a_town_lists_the_issued_and_revoked_certificates_of_its_own_residents_only(client, issue):
    town, other = OrganisationFactory(), OrganisationFactory()
    issued = issue(town)
    revoked = revoke(issue(town))
    theirs = issue(other)
    auth = auth_for(town, SCOPE)

    rows = client.get(CERTIFICATES, **auth).json()["results"]
    their_rows = client.get(CERTIFICATES, **auth_for(other, SCOPE)).json()["results"]

    assert [(row["id"], row["status"]) for row in rows] == [
        (issued.pk, "valid"),
        (revoked.pk, "revoked"),
    ]
    assert [row["id"] for row in their_rows] == [theirs.pk]
    assert client.get(f"{CERTIFICATES}{issued.pk}/", **auth).json()["serial"] == issued.serial


def test_another_towns_certificate_is_a_404_and_its_list_is_empty(client, issue):
    theirs = revoke(issue(OrganisationFactory()))
    auth = auth_for(OrganisationFactory(), SCOPE)

    detail = client.get(f"{CERTIFICATES}{theirs.pk}/", **auth)
    listed = client.get(CERTIFICATES, **auth).json()
    by_candidate = client.get(CERTIFICATES, {"candidate": theirs.candidate_id}, **auth).json()

    assert detail.status_code == 404
    assert detail.json()["code"] == "not_found"
    assert listed["results"] == [] == by_candidate["results"]
    assert listed["next"] is None


def test_a_provider_sees_the_certificates_of_the_towns_that_contracted_it(client, issue):
    town, elsewhere = OrganisationFactory(), OrganisationFactory()
    provider = ProviderFactory()
    provider.contracted_by.add(town)
    ProviderFactory().contracted_by.add(town)  # a second provider: no duplicate rows
    mine = issue(town)
    issue(elsewhere)

    rows = client.get(CERTIFICATES, **auth_for(provider, SCOPE)).json()["results"]
    town_rows = client.get(CERTIFICATES, **auth_for(town, SCOPE)).json()["results"]

    assert [row["id"] for row in rows] == [mine.pk] == [row["id"] for row in town_rows]


def test_a_revoked_certificate_says_status_time_and_code_but_not_the_note_or_bsn(client, issue):
    town = OrganisationFactory()
    certificate = issue(town)
    before = timezone.now()
    revoke(certificate, note=f"{NOTE}, BSN {certificate.candidate.bsn}")
    auth = auth_for(town, SCOPE)

    listed = client.get(CERTIFICATES, **auth)
    detail = client.get(f"{CERTIFICATES}{certificate.pk}/", **auth)

    row = detail.json()
    assert listed.json()["results"] == [row]
    assert set(row) == FIELDS
    assert row["status"] == "revoked"
    assert row["reason_code"] == "fraud"
    changed = datetime.datetime.fromisoformat(row["status_changed_at"])
    assert before <= changed <= timezone.now()
    for body in (listed.content, detail.content):
        assert certificate.candidate.bsn.encode() not in body
        assert b"bsn" not in body.lower()
        assert b"Vervalst" not in body
        assert b"gemeentehuis" not in body


def test_a_valid_certificate_has_no_reason_and_no_status_change(client, issue):
    town = OrganisationFactory()
    certificate = issue(town)

    row = client.get(f"{CERTIFICATES}{certificate.pk}/", **auth_for(town, SCOPE)).json()

    assert (row["status"], row["reason_code"], row["status_changed_at"]) == ("valid", "", None)
    assert row["verification_url"].startswith("https://examens.example.nl/")


def test_a_cursor_walk_sees_every_certificate_once_while_new_ones_are_issued(client, issue):
    town = OrganisationFactory()
    first = [issue(town).pk for _ in range(5)]
    issue(OrganisationFactory())  # another town's: never on a page
    added: list[int] = []

    def between():
        if len(added) < 3:
            added.append(issue(town).pk)
        if len(added) == 2:
            revoke(Certificate.objects.get(pk=first[0]))  # a status change moves nothing

    seen = walk(client, f"{CERTIFICATES}?limit=2", auth_for(town, SCOPE), between=between)

    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(first + added)


def test_updated_since_brings_back_a_certificate_revoked_after_that_moment(client, issue):
    town = OrganisationFactory()
    kept, revoked = issue(town), issue(town)
    moment = timezone.now()
    revoke(revoked)
    auth = auth_for(town, SCOPE)

    rows = client.get(CERTIFICATES, {"updated_since": moment.isoformat()}, **auth).json()

    assert kept.issued_at < moment
    assert [row["id"] for row in rows["results"]] == [revoked.pk]


def test_a_revoked_token_is_refused(client, issue):
    town = OrganisationFactory()
    certificate = issue(town)
    auth = auth_for(town, SCOPE)
    assert client.get(CERTIFICATES, **auth).status_code == 200
    revoke_api_token(ApiToken.objects.get(organisation=town), actor=UserFactory(is_superuser=True))

    listed = client.get(CERTIFICATES, **auth)
    detail = client.get(f"{CERTIFICATES}{certificate.pk}/", **auth)

    assert listed.status_code == detail.status_code == 401
    assert listed.json()["code"] == "authentication_failed"
    assert certificate.serial.encode() not in listed.content + detail.content


def test_a_page_of_20_certificates_takes_the_queries_of_a_page_of_2(client, issue):
    town = OrganisationFactory()
    auth = auth_for(town, SCOPE)
    for _ in range(2):
        issue(town)
    two = queries_of_a_page(client, CERTIFICATES, auth)
    for _ in range(18):
        revoke(issue(town))

    twenty = queries_of_a_page(client, CERTIFICATES, auth)

    assert len(client.get(CERTIFICATES, **auth).json()["results"]) == 20
    assert twenty == two


def test_the_schema_lists_both_certificate_operations_with_their_scope_and_fields():
    schema = Client().get("/api/schema/?format=json").json()

    listing = schema["paths"]["/api/v1/exchange/certificates/"]["get"]
    detail = schema["paths"]["/api/v1/exchange/certificates/{id}/"]["get"]
    fields = schema["components"]["schemas"]["Certificate"]["properties"]

    for operation in (listing, detail):
        assert "Token scope: `certificates:read`" in operation["description"]
        assert {"401", "403", "404"} <= set(operation["responses"])
    assert {p["name"] for p in listing["parameters"]} >= {
        "cursor",
        "limit",
        "candidate",
        "updated_since",
    }
    assert set(fields) == FIELDS
