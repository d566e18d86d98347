"""Planner pages on the session: staff, held, no-show, reschedule; version withdrawal.

Each page: the centre's planner is let in, another organisation's planner and
an absent id get the same 404, the happy path writes its audit event, and a
refusal by the service is shown on the named field or as a message.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from examens.models import AuditEvent, ExamVersion, Role
from scheduling.models import Booking, ExamSession, SessionStaff
from scheduling.services import book_candidate
from tests.conftest import agency_staff, login_verified
from tests.examens.factories import AgencyFactory, MembershipFactory
from tests.scheduling.factories import (
    SessionFactory,
    candidate_for,
    planner_of,
    session_now,
    version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=10))


def booked(session, **kwargs) -> Booking:
    return book_candidate(session, actor=agency_staff(), candidate=candidate_for(session, **kwargs))


def examiner_of(organisation):
    return MembershipFactory(organisation=organisation, role=Role.EXAMINER).user


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- assign staff -------------------------------------------------------------------------


def test_session_page_offers_the_centres_examiners(planner_client, session):
    examiner = examiner_of(session.centre.organisation)
    outsider = examiner_of(MembershipFactory(role=Role.PLANNER).organisation)

    response = planner_client.get(reverse("scheduling:session-detail", args=[session.pk]))

    people = list(response.context["staff_form"].fields["user"].queryset)
    assert examiner in people
    assert outsider not in people
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_planner_assigns_an_examiner_with_an_audit_event(planner_client, session):
    examiner = examiner_of(session.centre.organisation)

    response = planner_client.post(
        reverse("scheduling:session-staff", args=[session.pk]),
        {"user": examiner.pk, "role": "invigilator"},
    )

    assert response.status_code == 302
    assert SessionStaff.objects.get(session=session).user == examiner
    event = AuditEvent.objects.get(action="scheduling.session.staff_assigned")
    assert event.data == {"user": examiner.pk, "role": "invigilator"}


def test_double_booked_examiner_is_refused_on_the_person_field(planner_client, session):
    examiner = examiner_of(session.centre.organisation)
    other = SessionFactory(centre=session.centre, starts_at=session.starts_at)
    SessionStaff.objects.create(session=other, user=examiner, role="examiner")

    response = planner_client.post(
        reverse("scheduling:session-staff", args=[session.pk]),
        {"user": examiner.pk, "role": "examiner"},
    )

    assert response.status_code == 400
    assert response.context["staff_form"].errors["user"]
    assert not SessionStaff.objects.filter(session=session).exists()


def test_staff_page_answers_404_to_another_organisations_planner(stranger_client, session):
    examiner = examiner_of(session.centre.organisation)

    response = stranger_client.post(
        reverse("scheduling:session-staff", args=[session.pk]),
        {"user": examiner.pk, "role": "examiner"},
    )

    assert response.status_code == 404
    assert not SessionStaff.objects.exists()


def test_staff_page_answers_404_for_an_absent_session(planner_client):
    url = reverse("scheduling:session-staff", args=[999999])
    assert planner_client.post(url, {"role": "examiner"}).status_code == 404


# --- held ---------------------------------------------------------------------------------


def test_planner_marks_a_started_session_held(client):
    session = session_now()
    login_verified(client, planner_of(session.centre.organisation))

    response = client.post(reverse("scheduling:session-held", args=[session.pk]))

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == ExamSession.Status.HELD
    assert events("scheduling.session.held") == 1


def test_held_is_refused_before_the_start(planner_client, session):
    response = planner_client.post(
        reverse("scheduling:session-held", args=[session.pk]), follow=True
    )

    session.refresh_from_db()
    assert session.status == ExamSession.Status.PUBLISHED
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert events("scheduling.session.held") == 0


def test_held_answers_404_to_another_organisations_planner(stranger_client):
    session = session_now()
    response = stranger_client.post(reverse("scheduling:session-held", args=[session.pk]))
    assert response.status_code == 404


# --- no-show ------------------------------------------------------------------------------


def started(session: ExamSession) -> ExamSession:
    """Booked while open, then the clock moves past the start."""
    start = timezone.now() - datetime.timedelta(minutes=5)
    ExamSession.objects.filter(pk=session.pk).update(starts_at=start, booking_closes_at=start)
    session.refresh_from_db()
    return session


def test_planner_marks_a_no_show_after_the_start(client):
    session = SessionFactory()
    booking = booked(session)
    started(session)
    login_verified(client, planner_of(session.centre.organisation))

    page = client.get(reverse("scheduling:booking-detail", args=[booking.pk]))
    response = client.post(reverse("scheduling:booking-no-show", args=[booking.pk]))

    assert reverse("scheduling:booking-no-show", args=[booking.pk]).encode() in page.content
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.counts_as_attempt) == (Booking.Status.NO_SHOW, True)
    assert events("scheduling.booking.no_show") == 1


def test_no_show_is_refused_before_the_start(planner_client, session):
    booking = booked(session)

    response = planner_client.post(
        reverse("scheduling:booking-no-show", args=[booking.pk]), follow=True
    )

    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_no_show_answers_404_to_another_organisations_planner(stranger_client):
    session = SessionFactory()
    booking = booked(session)
    started(session)
    response = stranger_client.post(reverse("scheduling:booking-no-show", args=[booking.pk]))
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


# --- reschedule ---------------------------------------------------------------------------


def test_reschedule_page_offers_only_the_planners_sessions_of_the_component(
    planner_client, session
):
    booking = booked(session)
    same = SessionFactory(centre=session.centre, starts_at=session.starts_at + _days(7))
    other_org = SessionFactory(starts_at=session.starts_at + _days(7))
    other_component = SessionFactory(
        centre=session.centre,
        exam_version=version("LUI-B1-2026A"),
        starts_at=session.starts_at + _days(7),
    )

    response = planner_client.get(reverse("scheduling:booking-reschedule", args=[booking.pk]))

    offered = list(response.context["form"].fields["to_session"].queryset)
    assert offered == [same]
    assert other_org not in offered
    assert other_component not in offered
    assert "telt niet als poging" in response.content.decode()


def test_reschedule_moves_the_booking_with_an_audit_event(planner_client, session):
    booking = booked(session)
    target = SessionFactory(centre=session.centre, starts_at=session.starts_at + _days(7))

    response = planner_client.post(
        reverse("scheduling:booking-reschedule", args=[booking.pk]), {"to_session": target.pk}
    )

    assert response.status_code == 302
    booking.refresh_from_db()
    new = Booking.objects.get(session=target)
    assert (booking.status, booking.counts_as_attempt) == (Booking.Status.CANCELLED, False)
    assert new.candidate_id == booking.candidate_id
    event = AuditEvent.objects.get(action="scheduling.booking.rescheduled")
    assert event.data["from_booking"] == booking.pk


def test_late_reschedule_page_warns_that_it_counts_as_an_attempt(client):
    session = SessionFactory(starts_at=timezone.now() + _days(3))
    booking = booked(session)
    SessionFactory(centre=session.centre, starts_at=session.starts_at + _days(7))
    login_verified(client, planner_of(session.centre.organisation))

    response = client.get(reverse("scheduling:booking-reschedule", args=[booking.pk]))

    assert response.context["late"] is True
    assert "telt als poging, tenzij u een reden accepteert" in response.content.decode()


def test_late_reschedule_with_accepted_reason_needs_the_reason_on_its_field(client):
    session = SessionFactory(starts_at=timezone.now() + _days(3))
    booking = booked(session)
    target = SessionFactory(centre=session.centre, starts_at=session.starts_at + _days(7))
    login_verified(client, planner_of(session.centre.organisation))

    response = client.post(
        reverse("scheduling:booking-reschedule", args=[booking.pk]),
        {"to_session": target.pk, "reason_accepted": "on"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_late_reschedule_counts_as_an_attempt(client):
    session = SessionFactory(starts_at=timezone.now() + _days(3))
    booking = booked(session)
    target = SessionFactory(centre=session.centre, starts_at=session.starts_at + _days(7))
    login_verified(client, planner_of(session.centre.organisation))

    client.post(
        reverse("scheduling:booking-reschedule", args=[booking.pk]), {"to_session": target.pk}
    )

    booking.refresh_from_db()
    assert (booking.status, booking.counts_as_attempt) == (Booking.Status.CANCELLED, True)
    assert Booking.objects.get(session=target).attempt_number == 2


def test_reschedule_answers_404_to_another_organisations_planner(stranger_client, session):
    booking = booked(session)
    assert (
        stranger_client.get(reverse("scheduling:booking-reschedule", args=[booking.pk]))
    ).status_code == 404
    assert (
        stranger_client.get(reverse("scheduling:booking-reschedule", args=[999999]))
    ).status_code == 404


# --- withdraw an exam version -------------------------------------------------------------


@pytest.fixture
def agency_client(client):
    login_verified(client, planner_of(AgencyFactory()))
    return client


def replacement_for(old: ExamVersion) -> ExamVersion:
    return ExamVersion.objects.create(
        component=old.component,
        level=old.level,
        code=old.code[:-1] + "B",
        max_raw_score=old.max_raw_score,
        cutoff_raw=old.cutoff_raw,
        conversion_table=old.conversion_table,
        pass_scale_score=old.pass_scale_score,
    )


def test_withdrawal_pages_answer_404_to_a_municipal_planner(planner_client):
    leaked = version()
    assert planner_client.get(reverse("scheduling:versions")).status_code == 404
    url = reverse("scheduling:version-withdraw", args=[leaked.pk])
    assert planner_client.get(url).status_code == 404
    assert planner_client.post(url, {"reason": "leaked"}).status_code == 404
    leaked.refresh_from_db()
    assert leaked.status == ExamVersion.Status.ACTIVE


def test_withdrawal_page_answers_404_for_an_absent_version(agency_client):
    url = reverse("scheduling:version-withdraw", args=[999999])
    assert agency_client.get(url).status_code == 404


def test_withdrawal_page_previews_the_bookings_it_touches(agency_client, session):
    booking = booked(session)

    response = agency_client.get(reverse("scheduling:version-withdraw", args=[version().pk]))

    assert response.status_code == 200
    assert booking.reference in response.content.decode()


def test_withdrawal_with_replacement_switches_and_lists_every_affected_booking(
    agency_client, session
):
    first, second = booked(session), booked(session)
    leaked = version()
    replacement = replacement_for(leaked)

    response = agency_client.post(
        reverse("scheduling:version-withdraw", args=[leaked.pk]),
        {"reason": "Items leaked", "replacement": replacement.pk},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert first.reference in body
    assert second.reference in body
    session.refresh_from_db()
    assert session.exam_version == replacement
    event = AuditEvent.objects.get(action="scheduling.exam_version.withdrawn")
    assert sorted(event.data["affected_bookings"]) == sorted([first.reference, second.reference])


def test_withdrawal_without_replacement_cancels_and_lists_the_bookings(agency_client, session):
    booking = booked(session)

    response = agency_client.post(
        reverse("scheduling:version-withdraw", args=[version().pk]), {"reason": "Items leaked"}
    )

    assert booking.reference in response.content.decode()
    session.refresh_from_db()
    booking.refresh_from_db()
    assert session.status == ExamSession.Status.CANCELLED
    assert booking.status == Booking.Status.SESSION_CANCELLED
    assert events("scheduling.exam_version.withdrawn") == 1


def test_withdrawal_needs_a_reason_on_its_field(agency_client, session):
    response = agency_client.post(
        reverse("scheduling:version-withdraw", args=[version().pk]), {"reason": "  "}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert version().status == ExamVersion.Status.ACTIVE


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)
