"""Planner pages through the client: permission matrix, flows, fixed query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from examens.models import Role
from scheduling.models import Booking, CalendarFeed, ExamSession
from scheduling.services import book_candidate, create_calendar_feed
from tests.conftest import agency_staff, login_verified
from tests.examens.factories import MembershipFactory, RoomFactory, UserFactory
from tests.scheduling.factories import SessionFactory, candidate_for, version

pytestmark = pytest.mark.django_db


SESSION_PAGES = ["scheduling:session-detail", "scheduling:session-book", "scheduling:door"]


@pytest.mark.parametrize("name", SESSION_PAGES)
def test_session_pages_open_for_the_centres_planner(planner_client, session, name):
    assert planner_client.get(reverse(name, args=[session.pk])).status_code == 200


@pytest.mark.parametrize("name", SESSION_PAGES)
def test_session_pages_answer_404_to_another_organisations_planner(stranger_client, session, name):
    assert stranger_client.get(reverse(name, args=[session.pk])).status_code == 404


@pytest.mark.parametrize("name", SESSION_PAGES)
def test_session_pages_answer_404_for_an_absent_session(planner_client, name):
    assert planner_client.get(reverse(name, args=[999999])).status_code == 404


def test_assigned_examiner_opens_the_door_page_but_not_the_session_page(client, session):
    examiner = MembershipFactory(organisation=session.centre.organisation, role=Role.EXAMINER).user
    session.assignments.create(user=examiner, role="invigilator")
    login_verified(client, examiner)

    assert client.get(reverse("scheduling:door", args=[session.pk])).status_code == 200
    assert client.get(reverse("scheduling:session-detail", args=[session.pk])).status_code == 404


def test_week_view_lists_only_own_sessions_with_seats(planner_client, session):
    other = SessionFactory(starts_at=session.starts_at)
    week = timezone.localtime(session.starts_at).date().isoformat()

    response = planner_client.get(reverse("scheduling:week"), {"week": week})

    assert session in response.context["sessions"]
    assert other not in response.context["sessions"]
    assert b"/ 10" in response.content


def test_week_view_query_count_does_not_grow_with_sessions(
    planner_client, session, django_assert_max_num_queries
):
    week = timezone.localtime(session.starts_at).date().isoformat()
    for hour in range(1, 16):
        SessionFactory(
            centre=session.centre, starts_at=session.starts_at + datetime.timedelta(hours=hour)
        )

    with django_assert_max_num_queries(12):
        planner_client.get(reverse("scheduling:week"), {"week": week})


def test_session_page_query_count_does_not_grow_with_bookings(
    planner_client, session, django_assert_max_num_queries
):
    actor = agency_staff()
    for _ in range(8):
        book_candidate(session, actor=actor, candidate=candidate_for(session))

    with django_assert_max_num_queries(14):
        response = planner_client.get(reverse("scheduling:session-detail", args=[session.pk]))
    assert response.content.count(b"EB-") == 8


def test_booking_form_shows_the_failing_rule(planner_client, session):
    candidate = candidate_for(session)
    ExamSession.objects.filter(pk=session.pk).update(status="closed")

    response = planner_client.post(
        reverse("scheduling:session-book", args=[session.pk]), {"candidate": candidate.pk}
    )

    assert response.status_code == 409
    assert b"session_not_open" in response.content
    assert not Booking.objects.exists()


def test_booking_form_books_an_eligible_candidate(planner_client, session):
    candidate = candidate_for(session)
    url = reverse("scheduling:session-book", args=[session.pk])

    check = planner_client.get(url, {"q": candidate.family_name, "candidate": candidate.pk})
    response = planner_client.post(url, {"candidate": candidate.pk})

    assert check.context["assessment"].ok
    assert candidate.bsn.encode() not in check.content
    assert response.status_code == 302
    assert Booking.objects.get().candidate == candidate


def test_booking_form_refuses_a_candidate_the_planner_may_not_see(planner_client, session):
    outsider = candidate_for(SessionFactory())
    response = planner_client.post(
        reverse("scheduling:session-book", args=[session.pk]), {"candidate": outsider.pk}
    )
    assert response.status_code == 404


def test_planner_plans_a_session(planner_client, session):
    room = RoomFactory(centre=session.centre)
    starts = (timezone.localtime() + datetime.timedelta(days=20)).strftime("%Y-%m-%dT10:00")

    response = planner_client.post(
        reverse("scheduling:session-create"),
        {
            "room": room.pk,
            "exam_version": version().pk,
            "starts_at": starts,
            "capacity": 5,
            "max_extra_minutes": 0,
        },
    )

    assert response.status_code == 302
    assert ExamSession.objects.filter(room=room, status="draft").exists()


def test_planner_cannot_plan_in_another_organisations_room(planner_client):
    starts = (timezone.localtime() + datetime.timedelta(days=20)).strftime("%Y-%m-%dT10:00")
    response = planner_client.post(
        reverse("scheduling:session-create"),
        {
            "room": RoomFactory().pk,
            "exam_version": version().pk,
            "starts_at": starts,
            "capacity": 5,
            "max_extra_minutes": 0,
        },
    )
    assert response.status_code == 400


def test_cancel_booking_and_session_through_the_pages(planner_client, session):
    booking = book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))

    planner_client.post(reverse("scheduling:booking-cancel", args=[booking.pk]), {"reason": ""})
    planner_client.post(
        reverse("scheduling:session-cancel", args=[session.pk]), {"reason": "Storm"}
    )

    booking.refresh_from_db()
    session.refresh_from_db()
    assert booking.status == "cancelled"
    assert session.status == "cancelled"


def test_waiting_list_page_adds_and_lists(planner_client, session):
    candidate = candidate_for(session)
    response = planner_client.post(
        reverse("scheduling:waiting-list") + f"?candidate={candidate.pk}",
        {"candidate": candidate.pk, "component": session.component.pk, "centre": session.centre.pk},
    )
    assert response.status_code == 302
    page = planner_client.get(reverse("scheduling:waiting-list"))
    assert candidate.full_name.encode() in page.content
    assert candidate.bsn.encode() not in page.content


def test_door_finds_by_scanned_reference_and_checks_in(planner_client, session):
    booking = book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))
    book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))
    ExamSession.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    url = reverse("scheduling:door", args=[session.pk])

    found = planner_client.get(url, {"q": booking.reference})
    response = planner_client.post(
        url, {"booking": booking.pk, "action": "check_in", "identity_confirmed": "on"}
    )

    assert list(found.context["bookings"]) == [booking]
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "checked_in"


def test_door_refuses_check_in_without_identity(planner_client, session):
    booking = book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))
    ExamSession.objects.filter(pk=session.pk).update(starts_at=timezone.now())

    response = planner_client.post(
        reverse("scheduling:door", args=[session.pk]), {"booking": booking.pk, "action": "check_in"}
    )

    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_calendar_feed_is_public_by_secret_and_404_when_revoked(client, session):
    feed = create_calendar_feed(actor=agency_staff(), centre=session.centre)

    response = client.get(reverse("scheduling:calendar-feed", args=[feed.secret]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content
    CalendarFeed.objects.filter(pk=feed.pk).update(revoked_at=timezone.now())
    assert client.get(reverse("scheduling:calendar-feed", args=[feed.secret])).status_code == 404
    assert client.get(reverse("scheduling:calendar-feed", args=["nope"])).status_code == 404
    # The database holds a digest: the stored value itself is no key.
    assert client.get(reverse("scheduling:calendar-feed", args=[feed.token])).status_code == 404


def test_examiner_feed_lists_assigned_sessions_without_candidate_names(client, session):
    examiner = UserFactory()
    session.assignments.create(user=examiner, role="examiner")
    candidate = candidate_for(session)
    book_candidate(session, actor=agency_staff(), candidate=candidate)
    MembershipFactory(user=examiner, organisation=session.centre.organisation, role="examiner")
    feed = create_calendar_feed(actor=examiner, user=examiner)

    body = client.get(reverse("scheduling:calendar-feed", args=[feed.secret])).content

    assert f"session-{session.pk}@".encode() in body
    assert candidate.family_name.encode() not in body
