"""Grading API: imports (CSV/JSON) and results behind scoped tokens or a verified factor."""

import json

import pytest
from django.db import transaction

from examens.services import create_api_token
from grading.models import Result
from grading.services import release_result
from grading.services.results import create_scored_draft
from tests.conftest import agency_staff, fresh_factor, login_verified
from tests.examens.factories import AgencyFactory, CandidateFactory, UserFactory
from tests.grading.factories import BookingFactory, SessionFactory, version

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/results/imports/"
RESULTS_URL = "/api/v1/results/"


def token_for(organisation, scopes):
    _token, secret = create_api_token(
        organisation, actor=UserFactory(is_superuser=True), name="feed", scopes=scopes
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def csv_for(*bookings, raw=30):
    rows = "".join(f"{b.reference},LEZ,{raw}\n" for b in bookings)
    return ("booking_reference,component,raw_score\n" + rows).encode()


def test_a_results_write_token_imports_a_csv_once(client):
    booking = BookingFactory()
    auth = token_for(AgencyFactory(), ["results:write"])

    first = client.post(IMPORT_URL, csv_for(booking), content_type="text/csv", **auth)
    second = client.post(IMPORT_URL, csv_for(booking), content_type="text/csv", **auth)

    assert first.status_code == 201
    assert first.json()["row_count"] == 1
    assert second.status_code == 200
    assert second.json()["created"] is False
    assert Result.objects.count() == 1


def test_a_json_import_with_bad_rows_answers_400_with_every_error(client):
    booking = BookingFactory()
    auth = token_for(AgencyFactory(), ["results:write"])
    body = json.dumps(
        [
            {"booking_reference": booking.reference, "component": "LEZ", "raw_score": 99},
            {"booking_reference": "EB-NONE", "component": "LEZ", "raw_score": 1},
        ]
    )

    response = client.post(IMPORT_URL, body, content_type="application/json", **auth)

    assert response.status_code == 400
    assert response.json()["code"] == "import_rejected"
    errors = response.json()["details"]["errors"]
    assert [(e["line"], e["code"]) for e in errors] == [
        (1, "score_above_maximum"),
        (2, "unknown_booking"),
    ]
    assert not Result.objects.exists()


def test_a_read_only_token_cannot_import(client):
    auth = token_for(AgencyFactory(), ["results:read"])

    response = client.post(IMPORT_URL, csv_for(BookingFactory()), content_type="text/csv", **auth)

    assert response.status_code == 403


def test_a_municipal_token_cannot_import_for_another_organisations_centre(client):
    booking = BookingFactory()
    auth = token_for(CandidateFactory().municipality, ["results:write"])

    response = client.post(IMPORT_URL, csv_for(booking), content_type="text/csv", **auth)

    assert response.status_code == 400
    assert response.json()["details"]["errors"][0]["code"] == "unknown_booking"


def test_an_unverified_person_cannot_import(client):
    client.force_login(UserFactory())

    response = client.post(IMPORT_URL, csv_for(BookingFactory()), content_type="text/csv")

    assert response.status_code == 403


def released(candidate):
    with transaction.atomic():
        result = create_scored_draft(
            BookingFactory(candidate=candidate), actor=agency_staff(), raw=30, source="t"
        )
    return release_result(result, actor=fresh_factor(agency_staff()))


def test_a_municipal_token_reads_only_its_residents_released_results(client):
    own = CandidateFactory()
    mine = released(own)
    released(CandidateFactory())
    with transaction.atomic():
        knm = SessionFactory(exam_version=version("KNM-2026A"))
        create_scored_draft(
            BookingFactory(candidate=own, session=knm), actor=agency_staff(), raw=1, source="t"
        )
    auth = token_for(own.municipality, ["results:read"])

    response = client.get(RESULTS_URL, **auth)

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [mine.pk]
    assert response.json()["results"][0]["outcome"] == "passed"
    assert client.get(f"{RESULTS_URL}{mine.pk}/", **auth).status_code == 200


def test_a_token_without_results_read_is_refused(client):
    auth = token_for(AgencyFactory(), ["catalogue:read"])

    assert client.get(RESULTS_URL, **auth).status_code == 403


def test_a_verified_person_reads_visible_results(client):
    candidate = CandidateFactory()
    result = released(candidate)
    from examens.models import Membership, Role

    officer = UserFactory()
    Membership.objects.create(user=officer, organisation=candidate.municipality, role=Role.OFFICER)
    login_verified(client, officer)

    response = client.get(RESULTS_URL, {"candidate": candidate.pk})

    assert [r["id"] for r in response.json()["results"]] == [result.pk]
