"""The booking page's and the door's searches: linear in their words, capped, and a BSN
looked up by POST, never searched through a URL."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheduling.models import Booking
from scheduling.selectors import candidates_to_book, find_bookings
from scheduling.services import book_candidate
from tests.conftest import agency_staff, login_verified
from tests.examens.factories import CandidateFactory, OrganisationFactory
from tests.examens.test_search import ELEVEN_WORDS, bsn_forms, holds_number, the_search
from tests.scheduling.factories import candidate_for, planner_of

pytestmark = pytest.mark.django_db


def book_url(session):
    return reverse("scheduling:session-book", args=[session.pk])


def find_url(session):
    return reverse("scheduling:session-book-find", args=[session.pk])


def one_statement(run) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(run())
    return the_search(queries.captured_queries)


def test_the_booking_search_keeps_its_shape_whatever_the_number_of_words(planner, settings):
    settings.SEARCH_MAX_WORDS = 10

    one = one_statement(lambda: candidates_to_book(planner, words=("a",)))
    ten = one_statement(lambda: candidates_to_book(planner, words=tuple("abcdefghij")))

    assert ten.count("JOIN") == one.count("JOIN")
    assert ten.count("SELECT") == one.count("SELECT")
    assert ten.count(" LIKE ") == 10 * one.count(" LIKE ") == 20


def test_the_door_search_keeps_its_shape_whatever_the_number_of_words(session, settings):
    settings.SEARCH_MAX_WORDS = 10

    one = one_statement(lambda: find_bookings(session, words=("a", "b")))
    ten = one_statement(lambda: find_bookings(session, words=tuple("abcdefghij")))

    assert ten.count("JOIN") == one.count("JOIN")
    assert ten.count("SELECT") == one.count("SELECT")
    assert ten.count(" LIKE ") == 5 * one.count(" LIKE ") == 20


def test_the_booking_page_searches_at_most_the_cap_and_says_so(planner_client, session, settings):
    settings.SEARCH_MAX_WORDS = 5
    wanted = candidate_for(session, given_names="a b c", family_name="d e")

    with CaptureQueriesContext(connection) as queries:
        response = planner_client.get(book_url(session), {"q": ELEVEN_WORDS})

    searches = [q["sql"] for q in queries.captured_queries if " LIKE " in q["sql"].upper()]
    assert response.status_code == 200
    assert list(response.context["page"]) == [wanted]
    assert max(s.upper().count(" LIKE ") for s in searches) == 10
    assert "6 woorden zijn weggelaten" in response.content.decode()


def test_the_booking_search_form_posts_with_a_csrf_token(planner_client, session):
    html = planner_client.get(book_url(session)).content.decode()

    start = html.index('role="search"')
    form = html[html.rindex("<form", 0, start) : html.index("</form>", start)]
    assert 'method="post"' in form
    assert f'action="{find_url(session)}"' in form
    assert "csrfmiddlewaretoken" in form


def test_a_posted_name_goes_on_to_the_page_address(planner_client, session):
    candidate = candidate_for(session, family_name="Haddad")

    response = planner_client.post(find_url(session), {"q": "Haddad"})

    assert response.status_code == 302
    assert response["Location"] == f"{book_url(session)}?q=Haddad"
    page = planner_client.get(response["Location"])
    assert list(page.context["page"]) == [candidate]


def test_find_answers_only_post(planner_client, session):
    assert planner_client.get(find_url(session), {"q": "123456782"}).status_code == 405


@pytest.mark.parametrize("form", [0, 1, 2], ids=["plain", "dotted", "spaced"])
def test_a_bsn_is_looked_up_by_post_and_opens_the_candidate_by_id(planner_client, session, form):
    candidate = candidate_for(session)

    response = planner_client.post(find_url(session), {"q": bsn_forms(candidate.bsn)[form]})

    assert response.status_code == 302
    assert response["Location"] == f"{book_url(session)}?candidate={candidate.pk}"
    page = planner_client.get(response["Location"])
    assert page.context["chosen"] == candidate
    assert not holds_number(page.content.decode(), candidate.bsn)


def test_a_bsn_the_planner_may_not_book_is_not_found(planner_client, session):
    stranger = CandidateFactory(municipality=OrganisationFactory())

    response = planner_client.post(find_url(session), {"q": stranger.bsn})

    body = response.content.decode()
    assert response.status_code == 400
    assert "Er is geen kandidaat met dit BSN die u mag inplannen." in body
    assert stranger.family_name not in body
    assert not holds_number(body, stranger.bsn)


def test_a_number_failing_the_eleven_check_is_named(planner_client, session):
    response = planner_client.post(find_url(session), {"q": "123456789"})

    assert response.status_code == 400
    assert "elfproef" in response.content.decode()
    assert "123456789" not in response.content.decode()


@pytest.mark.parametrize("form", [0, 1, 2], ids=["plain", "dotted", "spaced"])
def test_a_bsn_in_the_booking_address_is_refused_unseen_and_unlogged(
    planner_client, session, caplog, form
):
    candidate = candidate_for(session)

    with caplog.at_level(logging.DEBUG):
        response = planner_client.get(book_url(session), {"q": bsn_forms(candidate.bsn)[form]})

    body = response.content.decode()
    assert response.status_code == 400
    assert "Dit lijkt een BSN" in body
    assert response.context["page"] is None
    assert not holds_number(body, candidate.bsn)
    assert not holds_number("\n".join(r.getMessage() for r in caplog.records), candidate.bsn)
    assert not Booking.objects.exists()


def test_booking_still_works_after_a_lookup(planner_client, session):
    candidate = candidate_for(session)
    found = planner_client.post(find_url(session), {"q": candidate.bsn})["Location"]

    response = planner_client.post(found, {"candidate": candidate.pk})

    assert response.status_code == 302
    assert Booking.objects.get().candidate == candidate


def test_a_bsn_in_the_door_address_is_refused_unseen(client, session):
    candidate = candidate_for(session)
    book_candidate(session, actor=agency_staff(), candidate=candidate)
    login_verified(client, planner_of(session.centre.organisation))

    response = client.get(reverse("scheduling:door", args=[session.pk]), {"q": candidate.bsn})

    assert response.status_code == 400
    assert "Dit lijkt een BSN" in response.content.decode()
    assert not holds_number(response.content.decode(), candidate.bsn)


def test_a_reference_of_digits_alone_is_still_found_at_the_door(client, session):
    booking = book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))
    Booking.objects.filter(pk=booking.pk).update(reference="EB-2345-6789")
    login_verified(client, planner_of(session.centre.organisation))

    response = client.get(reverse("scheduling:door", args=[session.pk]), {"q": "eb-2345-6789"})

    assert response.status_code == 200
    assert [b.pk for b in response.context["bookings"]] == [booking.pk]


def test_the_door_page_searches_at_most_the_cap_and_says_so(client, session, settings):
    settings.SEARCH_MAX_WORDS = 2
    wanted = candidate_for(session, given_names="Amira", family_name="Haddad")
    book_candidate(session, actor=agency_staff(), candidate=wanted)
    login_verified(client, planner_of(session.centre.organisation))

    response = client.get(
        reverse("scheduling:door", args=[session.pk]), {"q": "amira haddad nobody"}
    )

    assert response.status_code == 200
    assert [b.candidate for b in response.context["bookings"]] == [wanted]
    assert "1 woord is weggelaten" in response.content.decode()
