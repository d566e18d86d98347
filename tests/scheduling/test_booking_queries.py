"""Statement budget of one booking through the API, so that it cannot grow back.

A booking through POST /api/v1/bookings/ reads the token, then the candidate,
the session with its component and everything the rules read in one fixed
statement (eligibility.read_for_booking: the route requirement, the
decisions, the candidate's bookings of the component and the booking made
with the idempotency key); then, in one transaction (a savepoint inside the
test's own): grading's "already passed" rule (ORM), the seat (lock, check and
count in one fixed UPDATE ... RETURNING), the booking (ORM insert) and the
audit event (one fixed INSERT, linked to the tail this connection appended
last). The invitation leaves through the outbox: nothing is published.
docs/decisions/0007 shows what each costs on bench/booking.py.
"""

import pytest
from django.urls import reverse

from scheduling.models import Booking
from tests.scheduling.factories import SessionFactory, candidate_for
from tests.scheduling.test_api import token_client

pytestmark = pytest.mark.django_db

BOOKING_QUERY_BUDGET = 8


def post_booking(api, session, candidate, key):
    return api.post(
        reverse("api:scheduling-booking-create"),
        {"session": session.pk, "candidate": candidate.pk},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_booking_through_the_api_stays_within_its_query_budget(
    client, django_assert_max_num_queries
):
    session = SessionFactory()
    api = token_client(client, session.centre.organisation)
    candidate = candidate_for(session)
    # The first booking of a connection claims its audit chain and reads the tail
    # once; the first use of a token notes when it was used (at most once a minute).
    post_booking(api, session, candidate_for(session), "warm-up")

    with django_assert_max_num_queries(BOOKING_QUERY_BUDGET):
        response = post_booking(api, session, candidate, "key-1")

    assert response.status_code == 201
    booking = Booking.objects.get(reference=response.json()["reference"])
    assert response.json()["component"] == booking.component.code
    session.refresh_from_db()
    assert session.booked_count == 2


def test_replayed_booking_reads_without_writing(client, django_assert_max_num_queries):
    session = SessionFactory()
    api = token_client(client, session.centre.organisation)
    candidate = candidate_for(session)
    first = post_booking(api, session, candidate, "key-1")

    with django_assert_max_num_queries(2):  # the token, and the inputs with the key
        retry = post_booking(api, session, candidate, "key-1")

    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert Booking.objects.count() == 1
