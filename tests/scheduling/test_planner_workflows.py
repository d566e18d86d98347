"""Planner workflows of issue 12: room seats in the plan form with the capacity error on
its field, the booking page with a confirmed cancellation, the waiting list by name and
date of birth, ISO week numbers."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from examens.models import AuditEvent, Role
from scheduling.models import Booking, ExamSession, WaitingListEntry
from scheduling.services import book_candidate
from tests.conftest import agency_staff, login_verified
from tests.examens.factories import MembershipFactory, RoomFactory
from tests.scheduling.factories import SessionFactory, candidate_for, planner_of, version

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=20))


def _plan(client, in_room, **extra):
    starts = (timezone.localtime() + datetime.timedelta(days=30)).strftime("%Y-%m-%dT10:00")
    data = {
        "room": in_room.pk,
        "exam_version": version().pk,
        "starts_at": starts,
        "capacity": 5,
        "max_extra_minutes": 0,
        **extra,
    }
    return client.post(reverse("scheduling:session-create"), data)


# --- (a) the plan form ---------------------------------------------------------------


def test_plan_form_shows_each_rooms_seats(planner_client, session):
    RoomFactory(centre=session.centre, name="Zaal Noord", capacity=12)

    page = planner_client.get(reverse("scheduling:session-create")).content.decode()

    assert "Zaal Noord (12 " in page


def test_capacity_above_the_rooms_seats_is_refused_on_the_capacity_field(planner_client, session):
    room = RoomFactory(centre=session.centre, capacity=12)

    answer = _plan(planner_client, room, capacity=13)

    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == ["capacity"]
    html = answer.content.decode()
    error = html.index('id="id_capacity_error"')
    assert html.index('for="id_capacity"') < error < html.index('name="capacity"')
    assert html.index('name="duration_minutes"') < html.index('for="id_capacity"')
    assert not ExamSession.objects.filter(room=room).exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"capacity": "many"},
        {"capacity": "0"},
        {"starts_at": "tomorrow"},
        {"room": "x"},
        {"exam_version": "99999999"},
    ],
)
def test_bad_plan_input_is_a_400_on_its_field(planner_client, session, bad):
    room = RoomFactory(centre=session.centre, capacity=12)

    answer = _plan(planner_client, room, **bad)

    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == list(bad)


# --- (b) bookings: compact list, a page per booking, cancelling confirmed ---------------


def _booked(session):
    return book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))


def test_session_page_lists_bookings_with_a_link_and_no_cancel_form(planner_client, session):
    booking = _booked(session)

    html = planner_client.get(reverse("scheduling:session-detail", args=[session.pk]))
    page = html.content.decode()

    assert reverse("scheduling:booking-detail", args=[booking.pk]) in page
    assert reverse("scheduling:booking-cancel", args=[booking.pk]) not in page
    assert 'name="reason_accepted"' not in page
    assert '<div class="table-wrap" role="region" tabindex="0"' in page


def test_cancelling_asks_on_a_page_of_its_own_then_cancels(planner_client, session):
    booking = _booked(session)
    detail = planner_client.get(reverse("scheduling:booking-detail", args=[booking.pk]))
    url = reverse("scheduling:booking-cancel", args=[booking.pk])
    assert url in detail.content.decode()

    confirm = planner_client.get(url)

    assert confirm.status_code == 200
    assert 'class="button danger"' in confirm.content.decode()
    assert 'name="reason"' in confirm.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED

    done = planner_client.post(url, {"reason": "Ziek"})

    assert done.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.status_reason) == (Booking.Status.CANCELLED, "Ziek")
    assert AuditEvent.objects.filter(action="scheduling.booking.cancelled").count() == 1


def test_an_accepted_reason_left_empty_is_refused_on_the_reason_field(planner_client, session):
    booking = _booked(session)
    ExamSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + datetime.timedelta(hours=30)
    )

    answer = planner_client.post(
        reverse("scheduling:booking-cancel", args=[booking.pk]),
        {"reason": " ", "reason_accepted": "on"},
    )

    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == ["reason"]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_booking_pages_answer_404_to_another_organisations_planner(client, session):
    booking = _booked(session)
    login_verified(client, MembershipFactory(role=Role.PLANNER).user)

    for name in ("booking-detail", "booking-cancel"):
        assert client.get(reverse(f"scheduling:{name}", args=[booking.pk])).status_code == 404
    assert client.post(reverse("scheduling:booking-cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


# --- (c) the waiting list by name -------------------------------------------------------


def test_waiting_list_finds_by_name_and_date_of_birth_then_adds(planner_client, session):
    wanted = candidate_for(session, family_name="Yilmaz", date_of_birth=datetime.date(1990, 5, 1))
    candidate_for(session, family_name="Yilmaz", date_of_birth=datetime.date(1985, 2, 2))
    elsewhere = candidate_for(SessionFactory(), family_name="Yilmaz")

    found = planner_client.post(
        reverse("scheduling:waiting-find"), {"q": "yilmaz", "born": "01-05-1990"}
    )
    assert elsewhere.family_name == "Yilmaz"
    assert found.status_code == 302
    assert "1990-05-01" in found.url
    page = planner_client.get(found.url)

    assert [c.pk for c in page.context["found"]] == [wanted.pk]
    assert elsewhere.pk not in [c.pk for c in page.context["found"]]
    chosen = planner_client.get(reverse("scheduling:waiting-list"), {"candidate": wanted.pk})
    assert chosen.context["chosen"] == wanted
    added = planner_client.post(
        reverse("scheduling:waiting-list") + f"?candidate={wanted.pk}",
        {"candidate": wanted.pk, "component": session.component.pk, "centre": session.centre.pk},
    )

    assert added.status_code == 302
    assert WaitingListEntry.objects.get().candidate == wanted
    assert AuditEvent.objects.filter(action="scheduling.waiting.added").exists()


def test_waiting_list_search_offers_only_candidates_the_planner_may_see(planner_client, session):
    stranger = candidate_for(SessionFactory(), family_name="Verhoeven")

    page = planner_client.get(reverse("scheduling:waiting-list"), {"q": "Verhoeven"})

    assert list(page.context["found"]) == []
    assert (
        planner_client.get(
            reverse("scheduling:waiting-list"), {"candidate": stranger.pk}
        ).status_code
        == 404
    )
    answer = planner_client.post(
        reverse("scheduling:waiting-list"),
        {"candidate": stranger.pk, "component": session.component.pk, "centre": session.centre.pk},
    )
    assert answer.status_code == 400
    assert "candidate" in answer.context["form"].errors
    assert not WaitingListEntry.objects.exists()


def test_waiting_list_looks_a_bsn_up_by_post_and_never_puts_it_in_the_address(
    planner_client, session
):
    candidate = candidate_for(session)

    found = planner_client.post(reverse("scheduling:waiting-find"), {"q": candidate.bsn})

    assert found.status_code == 302
    assert candidate.bsn not in found.url
    assert found.url.endswith(f"?candidate={candidate.pk}")
    by_address = planner_client.get(reverse("scheduling:waiting-list"), {"q": candidate.bsn})
    assert by_address.status_code == 400
    assert by_address.context["found"] is None


@pytest.mark.parametrize(
    ("data", "field"),
    [({"q": "Jansen", "born": "31-02-1990"}, "born"), ({"q": "123456789"}, "q")],
)
def test_bad_waiting_list_search_is_a_400_on_its_field(planner_client, data, field):
    answer = planner_client.post(reverse("scheduling:waiting-find"), data)

    assert answer.status_code == 400
    assert field in answer.context["search_form"].errors
    assert "123456789" not in answer.content.decode()


def test_a_bad_date_in_the_address_is_a_400_not_a_500(planner_client):
    answer = planner_client.get(reverse("scheduling:waiting-list"), {"born": "1990-13-45"})

    assert answer.status_code == 400
    assert "born" in answer.context["search_form"].errors


# --- (d) ISO week numbers -----------------------------------------------------------------


def test_week_view_and_session_page_show_the_iso_week(planner_client):
    amsterdam = timezone.get_default_timezone()
    start = datetime.datetime(2030, 12, 31, 10, 0, tzinfo=amsterdam)  # ISO week 1 of 2031
    session = SessionFactory(starts_at=start)
    login_verified(planner_client, planner_of(session.centre.organisation))

    week = planner_client.get(reverse("scheduling:week"), {"week": "2031-W01"})
    detail = planner_client.get(reverse("scheduling:session-detail", args=[session.pk]))

    assert week.context["monday"] == datetime.date(2030, 12, 30)
    assert [s.pk for s in week.context["sessions"]] == [session.pk]
    assert "2031-W01" in week.content.decode()
    assert week.context["week_value"] == "2031-W01"
    assert "(week 1)" in detail.content.decode()


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-W99", "\u0661\u0662"])
def test_a_week_at_the_edge_of_the_calendar_is_not_a_500(planner_client, value):
    assert planner_client.get(reverse("scheduling:week"), {"week": value}).status_code == 200
