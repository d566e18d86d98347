"""The API's JSON parser (examens.api_parsers) through the booking endpoints: a hostile body
is a 400 or a 413, never a 500, and books nothing."""

import json

import pytest
from django.urls import reverse

from examens.models import AuditEvent
from scheduling.models import Booking
from scheduling.services import book_candidate
from tests.conftest import agency_staff
from tests.scheduling.factories import SessionFactory, candidate_for
from tests.scheduling.test_api import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SessionFactory()


@pytest.fixture
def api(client, session):
    return token_client(client, session.centre.organisation)


def hostile_bodies(session, candidate):
    fields = {"session": session.pk, "candidate": candidate.pk}
    return {
        "nesting 100,000 deep": "[" * 100_000 + "]" * 100_000,
        "nesting inside a field": json.dumps(fields)[:-1] + ', "x": ' + "[" * 50_000 + "}",
        "a lone surrogate in a value": json.dumps({**fields, "note": "\ud800"}),
        "a lone surrogate as a key": json.dumps({**fields, "\udfff": 1}),
        "a NUL in a value": json.dumps({**fields, "note": "a\u0000b"}),
        "a 5,000-digit number": '{"session": ' + "9" * 5000 + ', "candidate": 1}',
    }


CASES = [
    "nesting 100,000 deep",
    "nesting inside a field",
    "a lone surrogate in a value",
    "a lone surrogate as a key",
    "a NUL in a value",
    "a 5,000-digit number",
]


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_booking_body_is_a_400_and_books_nothing(api, session, case):
    body = hostile_bodies(session, candidate_for(session))[case]
    before = AuditEvent.objects.count()

    response = api.post(
        reverse("api:scheduling-booking-create"), body, content_type="application/json"
    )

    assert response.status_code == 400
    assert not Booking.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_cancel_body_is_a_400_and_cancels_nothing(api, session, case):
    booking = book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))
    body = hostile_bodies(session, booking.candidate)[case]

    response = api.post(
        reverse("api:scheduling-booking-cancel", args=[booking.reference]),
        body,
        content_type="application/json",
    )

    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_a_body_over_the_limit_is_refused_with_the_setting_named(api, session, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"session": session.pk, "candidate": 1, "pad": "x" * 200})

    response = api.post(
        reverse("api:scheduling-booking-create"), body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["message"]
    assert not Booking.objects.exists()


def test_an_ordinary_body_still_books(api, session):
    candidate = candidate_for(session)

    response = api.post(
        reverse("api:scheduling-booking-create"),
        {"session": session.pk, "candidate": candidate.pk, "note": "Émile 😀"},
        content_type="application/json",
    )

    assert response.status_code == 201
