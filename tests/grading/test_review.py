"""Issue 12: the release page lists what it releases and warns about attempts not fully
rated; history, progress and session pages link to each other where the user may go."""

import pytest
from django.urls import reverse

from examens.models import Role
from grading.services import record_rating
from tests.conftest import agency_staff, login_verified, mark_fresh
from tests.examens.factories import CandidateFactory, MembershipFactory
from tests.grading.factories import BookingFactory, examiner, rated_booking

pytestmark = pytest.mark.django_db


def points(task, vocabulary, grammar):
    return {"task": task, "vocabulary": vocabulary, "grammar": grammar}


@pytest.fixture
def spr_session():
    """One SPR session: a doubly rated attempt (draft), one rated once, one not rated."""
    done = rated_booking(candidate=CandidateFactory(given_names="Amal", family_name="Done"))
    session = done.session
    once = BookingFactory(
        session=session, candidate=CandidateFactory(given_names="Bo", family_name="Once")
    )
    nobody = CandidateFactory(given_names="Cas", family_name="None")
    BookingFactory(session=session, candidate=nobody)
    org = session.centre.organisation
    raters = [examiner(org) for _ in range(2)]
    record_rating(done, actor=raters[0], scores=points(10, 8, 8))
    record_rating(done, actor=raters[1], scores=points(10, 9, 8))
    record_rating(once, actor=raters[0], scores=points(10, 8, 8))
    return session, raters, once


def test_release_page_lists_the_results_it_releases_and_warns_about_unrated(client, spr_session):
    session, raters, once = spr_session
    login_verified(client, raters[1])
    mark_fresh(client)

    page = client.get(reverse("grading:session-release", args=[session.pk])).content.decode()

    ready = page.split("<caption")[1].split("</table>")[0]
    assert "Amal Done" in ready
    assert "Bo Once" not in ready
    warning = page.split('class="message warning"')[1].split("</div>")[0]
    assert "Bo Once" in warning
    assert "Cas None" in warning
    assert "Amal Done" not in warning
    # raters[1] has not rated `once` and may still give its second rating
    assert reverse("grading:rate", args=[once.pk]) in warning


def test_release_page_has_no_warning_when_every_attempt_is_rated(client):
    booking = rated_booking()
    raters = [examiner(booking.session.centre.organisation) for _ in range(2)]
    record_rating(booking, actor=raters[0], scores=points(10, 8, 8))
    record_rating(booking, actor=raters[1], scores=points(10, 9, 8))
    login_verified(client, raters[0])
    mark_fresh(client)

    page = client.get(reverse("grading:session-release", args=[booking.session_id]))

    assert page.status_code == 200
    assert "message warning" not in page.content.decode()
    assert booking.candidate.full_name in page.content.decode()


def test_session_page_links_to_progress_only_for_who_may_see_the_candidate(client, spr_session):
    session, raters, once = spr_session
    progress = reverse("grading:progress", args=[once.candidate_id])

    login_verified(client, raters[0])  # a centre examiner: not a viewer of the registry
    as_examiner = client.get(reverse("grading:session", args=[session.pk])).content.decode()
    client.logout()
    login_verified(client, agency_staff())
    as_agency = client.get(reverse("grading:session", args=[session.pk])).content.decode()

    assert progress not in as_examiner
    assert progress in as_agency
    assert client.get(progress).status_code == 200


def test_history_links_to_progress_and_session_and_back(client):
    booking = rated_booking()
    raters = [examiner(booking.session.centre.organisation) for _ in range(2)]
    record_rating(booking, actor=raters[0], scores=points(10, 8, 8))
    record_rating(booking, actor=raters[1], scores=points(10, 9, 8))
    result = booking.results.get()
    staff = agency_staff()
    login_verified(client, staff)

    history = client.get(reverse("grading:history", args=[result.pk])).content.decode()

    assert reverse("grading:progress", args=[booking.candidate_id]) in history
    assert reverse("grading:session", args=[booking.session_id]) in history


def test_history_shows_no_session_link_to_a_municipal_officer(client):
    booking = rated_booking()
    raters = [examiner(booking.session.centre.organisation) for _ in range(2)]
    record_rating(booking, actor=raters[0], scores=points(10, 8, 8))
    record_rating(booking, actor=raters[1], scores=points(10, 9, 8))
    result = booking.results.get()
    officer = MembershipFactory(organisation=booking.candidate.municipality, role=Role.OFFICER).user
    login_verified(client, officer)

    history = client.get(reverse("grading:history", args=[result.pk]))

    assert history.status_code == 200
    assert reverse("grading:progress", args=[booking.candidate_id]) in history.content.decode()
    assert reverse("grading:session", args=[booking.session_id]) not in history.content.decode()
    assert client.get(reverse("grading:session", args=[booking.session_id])).status_code == 404
