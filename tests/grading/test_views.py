"""Grading pages: second factor everywhere, a fresh factor for release and correction."""

import time

import pytest
from django.db import transaction
from django.urls import reverse

from examens.audit import SYSTEM
from examens.models import Membership, Role
from examens.views.fresh import FRESH_SESSION_KEY
from grading.models import Rating, Result
from grading.services import release_result
from grading.services.results import create_scored_draft
from tests.conftest import agency_staff, fresh_factor, login_verified, mark_fresh
from tests.examens.factories import CandidateFactory, UserFactory, add_totp_device, current_totp
from tests.grading.factories import BookingFactory, examiner, rated_booking

pytestmark = pytest.mark.django_db


def make_fresh(client):
    mark_fresh(client)


def released(booking=None, user=None):
    booking = booking or BookingFactory()
    with transaction.atomic():
        result = create_scored_draft(booking, actor=SYSTEM, raw=30, source="t")
    return release_result(result, actor=fresh_factor(user or agency_staff()))


@pytest.fixture
def coordinator(client):
    booking = BookingFactory()
    user = examiner(booking.session.centre.organisation, components=("LEZ",))
    login_verified(client, user)
    return booking, user


def test_grading_pages_need_a_verified_second_factor(client):
    user = UserFactory()
    add_totp_device(user)
    client.force_login(user)

    response = client.get(reverse("grading:worklist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("examens:otp-verify"))


def test_worklist_lists_attempts_waiting_for_my_rating(client):
    booking = rated_booking()
    user = examiner(booking.session.centre.organisation)
    login_verified(client, user)

    response = client.get(reverse("grading:worklist"))

    assert response.status_code == 200
    assert booking.reference in response.content.decode()


def test_rating_form_records_a_rating(client):
    booking = rated_booking()
    user = examiner(booking.session.centre.organisation)
    login_verified(client, user)
    url = reverse("grading:rate", args=[booking.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"task": 10, "vocabulary": 8, "grammar": 8})

    assert response.status_code == 302
    assert Rating.objects.get().total == 26


def test_rating_form_is_404_for_an_unqualified_examiner(client):
    booking = rated_booking()
    login_verified(client, UserFactory())

    assert client.get(reverse("grading:rate", args=[booking.pk])).status_code == 404


def test_release_without_a_fresh_factor_asks_for_a_code(client, coordinator):
    booking, _user = coordinator
    with transaction.atomic():
        create_scored_draft(booking, actor=SYSTEM, raw=30, source="t")
    url = reverse("grading:session-release", args=[booking.session_id])

    response = client.post(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("examens:reverify"))
    assert Result.objects.get().status == Result.Status.DRAFT


def test_reverify_with_a_current_code_makes_the_factor_fresh(client, coordinator):
    _booking, user = coordinator
    device = user.totpdevice_set.get()

    response = client.post(
        reverse("examens:reverify"), {"token": current_totp(device), "next": "/beoordeling/"}
    )

    assert response.status_code == 302
    assert response.url == "/beoordeling/"
    assert time.time() - client.session[FRESH_SESSION_KEY] < 5


def test_reverify_with_a_wrong_code_keeps_the_factor_stale(client, coordinator):
    response = client.post(reverse("examens:reverify"), {"token": "000000"})

    assert response.status_code == 400
    assert FRESH_SESSION_KEY not in client.session


def test_a_stale_factor_is_not_fresh(client, coordinator, settings):
    booking, _user = coordinator
    session = client.session
    session[FRESH_SESSION_KEY] = time.time() - settings.OTP_FRESHNESS_SECONDS - 1
    session.save()

    response = client.post(reverse("grading:session-release", args=[booking.session_id]))

    assert response.url.startswith(reverse("examens:reverify"))


def test_release_with_a_fresh_factor_releases_the_session(client, coordinator):
    booking, _user = coordinator
    with transaction.atomic():
        create_scored_draft(booking, actor=SYSTEM, raw=30, source="t")
    make_fresh(client)

    page = client.get(reverse("grading:session", args=[booking.session_id]))
    response = client.post(reverse("grading:session-release", args=[booking.session_id]))

    assert page.status_code == 200
    assert response.status_code == 302
    assert Result.objects.get().status == Result.Status.RELEASED


def test_release_screen_is_404_for_another_organisation(client):
    booking = BookingFactory()
    login_verified(client, examiner(CandidateFactory().municipality, components=("LEZ",)))

    assert client.get(reverse("grading:session", args=[booking.session_id])).status_code == 404


def test_correction_page_creates_a_new_version_with_reason(client, coordinator):
    booking, user = coordinator
    result = released(booking)
    make_fresh(client)

    response = client.post(
        reverse("grading:correct", args=[result.pk]), {"reason": "key error", "raw_score": 10}
    )

    assert response.status_code == 302
    corrected = Result.objects.get(is_current=True)
    assert corrected.version == 2
    history = client.get(reverse("grading:history", args=[corrected.pk]))
    assert "key error" in history.content.decode()


def test_correction_page_needs_a_fresh_factor(client, coordinator):
    booking, _user = coordinator
    result = released(booking)

    response = client.get(reverse("grading:correct", args=[result.pk]))

    assert response.url.startswith(reverse("examens:reverify"))


def test_officer_sees_the_progress_of_own_residents_only(client):
    candidate = CandidateFactory()
    officer = UserFactory()
    Membership.objects.create(user=officer, organisation=candidate.municipality, role=Role.OFFICER)
    login_verified(client, officer)
    released(BookingFactory(candidate=candidate))

    own = client.get(reverse("grading:progress", args=[candidate.pk]))
    other = client.get(reverse("grading:progress", args=[CandidateFactory().pk]))

    assert own.status_code == 200
    assert "LEZ" in own.content.decode()
    assert other.status_code == 404


def test_sign_off_page_signs_off_with_evidence(client):
    candidate = CandidateFactory()
    user = examiner(candidate.municipality, components=("MAP",))
    login_verified(client, user)
    make_fresh(client)

    response = client.post(
        reverse("grading:sign-off", args=[candidate.pk]),
        {
            "component": "MAP",
            "completed": "1",
            "hours": 44,
            "started_on": "2026-01-05",
            "ended_on": "2026-06-30",
        },
    )

    assert response.status_code == 302
    assert Result.objects.get().evidence["hours"] == 44


def test_sign_off_page_shows_the_missing_evidence(client):
    candidate = CandidateFactory()
    login_verified(client, examiner(candidate.municipality, components=("MAP",)))
    make_fresh(client)

    response = client.post(
        reverse("grading:sign-off", args=[candidate.pk]),
        {"component": "MAP", "completed": "1", "hours": 12},
    )

    assert response.status_code == 400
    assert not Result.objects.exists()


def test_release_confirmation_asks_for_a_fresh_code_before_anything_is_posted(client, coordinator):
    booking, _user = coordinator
    with transaction.atomic():
        create_scored_draft(booking, actor=SYSTEM, raw=30, source="t")
    url = reverse("grading:session-release", args=[booking.session_id])

    session_page = client.get(reverse("grading:session", args=[booking.session_id]))
    stale = client.get(url)
    make_fresh(client)
    confirm = client.get(url)

    assert url in session_page.content.decode()
    assert stale.status_code == 302
    assert stale.url.startswith(reverse("examens:reverify"))
    assert "next=" in stale.url
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.content.decode()
    assert Result.objects.get().status == Result.Status.DRAFT


def test_correction_and_sign_off_forms_check_the_factor_on_get(client, coordinator):
    """The form pages themselves ask for the code, so nothing typed is lost to a redirect."""
    booking, _user = coordinator
    result = released(booking)

    correct = client.get(reverse("grading:correct", args=[result.pk]))
    sign_off = client.get(reverse("grading:sign-off", args=[booking.candidate_id]))

    for response in (correct, sign_off):
        assert response.status_code == 302
        assert response.url.startswith(reverse("examens:reverify"))
