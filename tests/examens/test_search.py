"""Candidate search: linear in its words (one statement of a fixed shape), capped in words,
and a BSN never searched through a URL: the search posts, a GET carrying one is refused
unseen and unlogged."""

import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from examens.models import Role
from examens.search import looks_like_bsn, name_query
from examens.selectors import search_candidates
from tests.conftest import agency_staff, login_verified
from tests.examens.factories import CandidateFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ELEVEN_WORDS = "a b c d e f g h i j k"


def bsn_forms(bsn: str) -> list[str]:
    return [bsn, f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}", f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}"]


def holds_number(text: str, bsn: str) -> bool:
    """Whether `text` holds `bsn` in any writing: plain, dotted, spaced, dashed."""
    runs = re.findall(r"\d(?:[\s.\-]?\d)*", text)
    return any(bsn in re.sub(r"\D", "", run) for run in runs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123456782", True),
        ("1234.56.782", True),
        ("123 456 782", True),
        ("1234 56 782", True),
        ("12-34-56-782", True),
        ("12345678", True),  # a BSN written without its leading zero
        ("Haddad 123456782", True),
        ("1234\x0056\t782", True),
        ("Haddad", False),
        ("de Vries", False),
        ("1234567", False),
        ("Amira12 Haddad3", False),
        ("", False),
    ],
)
def test_what_looks_like_a_bsn(text, expected):
    assert looks_like_bsn(text) is expected


def test_a_posted_name_loses_its_control_characters(client, officer):
    response = client.post("/candidates/find/", {"q": "Had\x00dad\x1b"})

    assert response["Location"] == "/candidates/?q=Had+dad"


def test_a_query_is_capped_in_distinct_words(settings):
    settings.SEARCH_MAX_WORDS = 3

    search = name_query("Al al AL Haddad  amira x y")

    assert search.words == ("Al", "Haddad", "amira")
    assert search.dropped == 2


@pytest.fixture
def officer(client):
    membership = MembershipFactory(role=Role.OFFICER)
    login_verified(client, membership.user)
    return membership


def the_search(queries) -> str:
    """The one statement that searches (the others ask which roles the user holds)."""
    searches = [q["sql"].upper() for q in queries if " LIKE " in q["sql"].upper()]
    assert len(searches) == 1
    return searches[0]


def search_sql(user, text: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(search_candidates(user, words=name_query(text).words))
    return the_search(queries.captured_queries)


@pytest.mark.parametrize("who", ["municipality officer", "agency"])
def test_the_search_statement_keeps_its_shape_whatever_the_number_of_words(who, officer, settings):
    settings.SEARCH_MAX_WORDS = 10
    user = officer.user if who == "municipality officer" else agency_staff(Role.OFFICER)

    one = search_sql(user, "a")
    ten = search_sql(user, "a b c d e f g h i j")

    assert ten.count("JOIN") == one.count("JOIN")
    assert ten.count("SELECT") == one.count("SELECT")
    assert ten.count(" LIKE ") == 10 * one.count(" LIKE ") == 20


def test_every_word_must_match_a_name(officer):
    home = officer.organisation
    wanted = CandidateFactory(municipality=home, given_names="Amira", family_name="Al-Haddad")
    CandidateFactory(municipality=home, given_names="Amira", family_name="Jansen")
    CandidateFactory(municipality=OrganisationFactory(), given_names="Amira", family_name="Haddad")

    found = search_candidates(officer.user, words=name_query("amira haddad").words)

    assert list(found) == [wanted]


def list_queries(client, text: str) -> tuple[int, str, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/candidates/", {"q": text})
    assert response.status_code == 200
    searches = [q["sql"].upper() for q in queries.captured_queries if " LIKE " in q["sql"].upper()]
    return len(queries.captured_queries), searches[-1], response.content.decode()


def test_the_page_searches_at_most_the_cap_and_says_so(client, officer, settings):
    settings.SEARCH_MAX_WORDS = 5
    wanted = CandidateFactory(
        municipality=officer.organisation, given_names="a b c", family_name="d e"
    )

    count_one, one, _page = list_queries(client, "a")
    count_eleven, eleven, page = list_queries(client, ELEVEN_WORDS)

    assert count_eleven == count_one
    assert eleven.count("JOIN") == one.count("JOIN")
    assert eleven.count("SELECT") == one.count("SELECT")
    assert eleven.count(" LIKE ") == 5 * one.count(" LIKE ")
    assert wanted.full_name in page
    assert "6 woorden zijn weggelaten" in page


def test_the_search_forms_post_with_a_csrf_token(client, officer):
    page = client.get("/candidates/").content.decode()

    forms = re.findall(r"<form[^>]*>.*?</form>", page, flags=re.S)
    searches = [f for f in forms if 'name="q"' in f or 'name="bsn"' in f]
    assert len(searches) == 2
    for form in searches:
        assert 'method="post"' in form
        assert 'action="/candidates/find/"' in form
        assert "csrfmiddlewaretoken" in form


def test_a_posted_name_goes_on_to_the_list_address(client, officer):
    candidate = CandidateFactory(municipality=officer.organisation, family_name="Haddad")

    response = client.post("/candidates/find/", {"q": " Haddad "})

    assert response.status_code == 302
    assert response["Location"] == "/candidates/?q=Haddad"
    assert candidate.full_name in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("form", [0, 1, 2], ids=["plain", "dotted", "spaced"])
def test_a_bsn_typed_in_the_name_box_is_looked_up_by_post(client, officer, form):
    candidate = CandidateFactory(municipality=officer.organisation)

    response = client.post("/candidates/find/", {"q": bsn_forms(candidate.bsn)[form]})

    assert response.status_code == 302
    assert response["Location"] == f"/candidates/{candidate.pk}/"


def test_a_bsn_of_someone_else_is_not_found_by_post(client, officer):
    stranger = CandidateFactory(municipality=OrganisationFactory())

    response = client.post("/candidates/find/", {"q": stranger.bsn})

    assert response.status_code == 400
    assert stranger.family_name not in response.content.decode()


@pytest.mark.parametrize("form", [0, 1, 2], ids=["plain", "dotted", "spaced"])
def test_a_bsn_in_the_address_is_refused_unseen_and_unlogged(client, officer, caplog, form):
    candidate = CandidateFactory(municipality=officer.organisation)
    typed = bsn_forms(candidate.bsn)[form]

    with caplog.at_level(logging.DEBUG):
        response = client.get("/candidates/", {"q": typed})

    body = response.content.decode()
    assert response.status_code == 400
    assert "Dit lijkt een BSN" in body
    assert not holds_number(body, candidate.bsn)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records  # the refusal is logged (a 400), without the number
    assert not holds_number(logged, candidate.bsn)


def test_the_refusal_is_in_english_too(client, officer, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = client.get("/candidates/", {"q": "123456782"}).content.decode()

    assert "This looks like a BSN" in body
