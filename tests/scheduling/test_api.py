"""Scheduling API: scopes, idempotent booking, availability filters, no BSN anywhere."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from examens.models import ApiToken
from examens.services import create_api_token
from scheduling.api import BookingSerializer
from scheduling.models import Booking, ExamSession
from scheduling.services import book_candidate
from tests.conftest import agency_staff, login_verified
from tests.examens.factories import UserFactory
from tests.scheduling.factories import SessionFactory, candidate_for, version

pytestmark = pytest.mark.django_db

ALL_SCOPES = ["sessions:read", "bookings:read", "bookings:write"]


def token_client(client, organisation, scopes=ALL_SCOPES):
    _token, secret = create_api_token(
        organisation, actor=UserFactory(is_superuser=True), name="municipal system", scopes=scopes
    )
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.fixture
def session():
    return SessionFactory()


@pytest.fixture
def api(client, session):
    return token_client(client, session.centre.organisation)


def book(api, session, candidate, key="key-1"):
    return api.post(
        reverse("api:scheduling-booking-create"),
        {"session": session.pk, "candidate": candidate.pk},
        content_type="application/json",
        headers={"Idempotency-Key": key} if key else {},
    )


def test_booking_created_once_and_a_retry_returns_the_same_booking(api, session):
    candidate = candidate_for(session)

    first = book(api, session, candidate)
    retry = book(api, session, candidate)

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["reference"] == first.json()["reference"]
    assert Booking.objects.count() == 1
    assert candidate.bsn not in first.content.decode()


def test_same_key_for_another_candidate_is_422(api, session):
    book(api, session, candidate_for(session))
    assert book(api, session, candidate_for(session)).status_code == 422


def test_refused_booking_names_the_rule(api, session):
    candidate = candidate_for(session)
    book(api, session, candidate, key="a")

    response = book(api, session, candidate, key="b")

    assert response.status_code == 409
    assert response.json()["code"] == "already_booked"


def test_municipality_token_cannot_book_another_municipalitys_resident(api, session):
    outsider = candidate_for(SessionFactory())
    assert book(api, session, outsider).status_code == 404


def test_may_book_for_agrees_with_the_organisations_candidates_for_every_kind():
    from examens.models import Candidate
    from scheduling.permissions import candidates_for_organisation, may_book_for
    from tests.examens.factories import AgencyFactory, OrganisationFactory, ProviderFactory

    served, other = OrganisationFactory(), OrganisationFactory()
    provider = ProviderFactory()
    provider.contracted_by.add(served)
    for municipality in (served, other):
        candidate_for(SessionFactory(), municipality=municipality)
    for organisation in (AgencyFactory(), served, other, provider):
        allowed = set(candidates_for_organisation(organisation).values_list("pk", flat=True))
        assert allowed  # each kind may book someone, and not everyone but the agency
        for candidate in Candidate.objects.all():
            assert may_book_for(organisation, candidate) == (candidate.pk in allowed)


def test_provider_token_books_residents_of_contracting_municipalities_only(client, session):
    from tests.examens.factories import ProviderFactory

    provider = ProviderFactory()
    provider.contracted_by.add(session.centre.organisation)
    api = token_client(client, provider)
    assert book(api, session, candidate_for(session), key="a").status_code == 201
    assert book(api, session, candidate_for(SessionFactory()), key="b").status_code == 404


def test_unknown_candidate_or_session_is_404(api, session):
    candidate = candidate_for(session)
    url = reverse("api:scheduling-booking-create")
    for body in (
        {"session": session.pk, "candidate": candidate.pk + 1000},
        {"session": session.pk + 1000, "candidate": candidate.pk},
    ):
        response = api.post(url, body, content_type="application/json")
        assert response.status_code == 404
    assert not Booking.objects.exists()


def test_write_needs_the_write_scope(client, session):
    api = token_client(client, session.centre.organisation, scopes=["sessions:read"])
    assert book(api, session, candidate_for(session)).status_code == 403


def test_person_needs_a_verified_second_factor(client, session):
    client.force_login(UserFactory())
    assert book(client, session, candidate_for(session)).status_code == 403


def test_verified_planner_books_through_the_api(client, session):
    from tests.scheduling.factories import planner_of

    login_verified(client, planner_of(session.centre.organisation))
    assert book(client, session, candidate_for(session)).status_code == 201


def test_created_booking_answers_as_the_booking_serializer_does(api, session):
    created = book(api, session, candidate_for(session)).json()

    detail = api.get(reverse("api:scheduling-booking-detail", args=[created["reference"]]))

    assert created == detail.json()
    assert set(created) == set(BookingSerializer.Meta.fields)


def test_retrieve_and_cancel_by_reference(api, session):
    reference = book(api, session, candidate_for(session)).json()["reference"]

    detail = api.get(reverse("api:scheduling-booking-detail", args=[reference]))
    cancel = api.post(reverse("api:scheduling-booking-cancel", args=[reference]), {})

    assert detail.json()["status"] == "booked"
    assert cancel.json()["status"] == "cancelled"


def test_other_organisations_booking_is_404(client, session):
    other = SessionFactory()
    booking = book_candidate(other, actor=agency_staff(), candidate=candidate_for(other))
    api = token_client(client, session.centre.organisation)
    assert (
        api.get(reverse("api:scheduling-booking-detail", args=[booking.reference])).status_code
        == 404
    )


def test_availability_filters_component_region_dates_and_accommodation(api):
    start = timezone.now() + datetime.timedelta(days=10)
    wanted = SessionFactory(starts_at=start, accommodations=["extended_time"], max_extra_minutes=30)
    SessionFactory(starts_at=start)  # no extended time
    SessionFactory(starts_at=start, exam_version=version("KNM-2026A"))
    full = SessionFactory(
        starts_at=start,
        capacity=1,
        booked_count=1,
        accommodations=["extended_time"],
        max_extra_minutes=30,
    )
    day = timezone.localtime(start).date().isoformat()

    response = api.get(
        reverse("api:scheduling-availability"),
        {
            "component": "LEZ",
            "level": "B1",
            "region": "utrecht",
            "date_from": day,
            "date_to": day,
            "accommodation": "extended_time",
        },
    )

    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [wanted.pk]
    assert full.pk not in ids


def test_session_list_and_seats(api, session):
    listing = api.get(reverse("api:scheduling-session-list"))
    seats = api.get(reverse("api:scheduling-session-seats", args=[session.pk]))

    assert [row["id"] for row in listing.json()["results"]] == [session.pk]
    assert seats.json() == {"id": session.pk, "capacity": 10, "booked_count": 0, "held_count": 0}


def test_token_use_is_recorded_at_most_once_a_minute(api, session):
    seats = reverse("api:scheduling-session-seats", args=[session.pk])
    token = ApiToken.objects.get()

    api.get(seats)
    token.refresh_from_db()
    first_use = token.last_used_at
    api.get(seats)
    token.refresh_from_db()
    assert first_use is not None
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=first_use - datetime.timedelta(minutes=2)
    )
    api.get(seats)
    token.refresh_from_db()
    assert token.last_used_at > first_use


@pytest.mark.parametrize(
    "status",
    [ExamSession.Status.DRAFT, ExamSession.Status.HELD, ExamSession.Status.CANCELLED],
)
def test_seats_of_a_session_that_is_not_published_are_not_found(api, status):
    """Only published sessions are national availability; the others are their centre's."""
    hidden = SessionFactory(status=status)

    assert api.get(reverse("api:scheduling-session-seats", args=[hidden.pk])).status_code == 404
