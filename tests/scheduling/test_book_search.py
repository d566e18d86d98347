"""The booking page's search shows bookability first (issue 12): every row says whether
the candidate can be booked, bookable rows book through the service, and the page reads
as many statements for 2 rows as for 20."""

import pytest
from django.conf import settings
from django.urls import reverse

from examens.models import AuditEvent, Decision
from scheduling.eligibility import assess
from scheduling.models import Booking, ExamSession
from scheduling.services import book_candidate
from tests.conftest import agency_staff
from tests.examens.factories import decide
from tests.examens.test_search import holds_number
from tests.scheduling.factories import candidate_for
from tests.scheduling.test_assess_many import candidates_with_history, statements

pytestmark = pytest.mark.django_db


def book_url(session):
    return reverse("scheduling:session-book", args=[session.pk])


def row_of(html: str, candidate) -> str:
    start = html.index(f'id="found-{candidate.pk}"')
    return html[start : html.index("</tr>", start)]


def named(session, count: int, family_name: str = "Yilmaz"):
    return [candidate_for(session, family_name=family_name) for _ in range(count)]


def test_every_row_says_whether_the_candidate_can_be_booked(planner_client, session):
    bookable = candidate_for(session, family_name="Yilmaz")
    exempted = candidate_for(session, family_name="Yilmaz")
    decide(exempted, Decision.Kind.EXEMPTION, ground="diploma")
    decide(exempted, Decision.Kind.ACCOMMODATION, needs=["separate_room"])
    booked = candidate_for(session, family_name="Yilmaz")
    book_candidate(session, actor=agency_staff(), candidate=booked)

    response = planner_client.get(book_url(session), {"q": "yilmaz"})

    html = response.content.decode()
    assert response.status_code == 200
    rows = {row.candidate: row for row in response.context["rows"]}
    assert rows[bookable].assessment.ok
    assert (rows[exempted].reason, rows[exempted].more) == (
        str(assess(exempted, session).problems[0].message),
        1,
    )
    assert rows[booked].more == 0

    yes = row_of(html, bookable)
    assert 'class="bookable"' in yes
    assert '<form method="post"' in yes
    assert "csrfmiddlewaretoken" in yes
    assert f'name="candidate" value="{bookable.pk}"' in yes

    no = row_of(html, exempted)
    assert 'class="not-bookable"' in no
    assert rows[exempted].reason in no
    assert "<form" not in no
    assert f"candidate={exempted.pk}" in no
    assert "<form" not in row_of(html, booked)


def test_and_n_more_is_said_in_words(planner_client, session):
    exempted = candidate_for(session, family_name="Yilmaz")
    decide(exempted, Decision.Kind.EXEMPTION, ground="diploma")
    decide(exempted, Decision.Kind.ACCOMMODATION, needs=["separate_room"], extra_minutes=30)

    planner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = planner_client.get(book_url(session), {"q": "yilmaz"})

    assert "and 1 more reason" in row_of(response.content.decode(), exempted)


def test_the_row_link_opens_the_full_explanation(planner_client, session):
    exempted = candidate_for(session, family_name="Yilmaz")
    decide(exempted, Decision.Kind.EXEMPTION, ground="diploma")

    response = planner_client.get(book_url(session), {"q": "yilmaz", "candidate": exempted.pk})

    assert response.context["chosen"] == exempted
    assert [p.code for p in response.context["assessment"].problems] == ["exempted"]
    assert b'id="eligibility"' in response.content


def test_the_rows_book_button_books_through_the_service(planner_client, session):
    candidate = candidate_for(session, family_name="Yilmaz")
    url = f"{book_url(session)}?q=yilmaz"

    response = planner_client.post(url, {"candidate": candidate.pk})

    assert response.status_code == 302
    booking = Booking.objects.get(session=session)
    assert booking.candidate == candidate
    assert AuditEvent.objects.filter(
        action="scheduling.booking.created", object_id=str(booking.pk)
    ).exists()


def test_the_page_is_advisory_the_service_checks_again(planner_client, session):
    candidate = candidate_for(session, family_name="Yilmaz")
    page = planner_client.get(book_url(session), {"q": "yilmaz"})
    assert page.context["rows"][0].assessment.ok
    ExamSession.objects.filter(pk=session.pk).update(booked_count=session.capacity)

    response = planner_client.post(f"{book_url(session)}?q=yilmaz", {"candidate": candidate.pk})

    assert response.status_code == 409
    assert b"session_full" in response.content
    assert not Booking.objects.filter(session=session).exists()
    assert not response.context["rows"][0].assessment.ok


def test_the_table_masks_the_bsn_and_no_address_carries_it(planner_client, session):
    made = named(session, 3)

    html = planner_client.get(book_url(session), {"q": "yilmaz"}).content.decode()

    for candidate in made:
        assert candidate.masked_bsn in row_of(html, candidate)
        assert not holds_number(html, candidate.bsn)


def test_the_results_sit_in_a_table_region(planner_client, session):
    named(session, 1)

    html = planner_client.get(book_url(session), {"q": "yilmaz"}).content.decode()

    region = html.index('class="table-wrap" role="region" tabindex="0"')
    assert html.index("<table>", region) < html.index("</div>", region)
    assert 'aria-labelledby="tbl-scheduling-book-1"' in html


def test_no_match_says_so(planner_client, session):
    response = planner_client.get(book_url(session), {"q": "nobody"})

    assert response.context["rows"] == []
    assert b'colspan="5"' in response.content


def page_statements(client, session) -> int:
    return statements(lambda: client.get(book_url(session), {"q": "yilmaz"}))


def test_the_page_reads_as_many_statements_for_2_as_for_20_rows(planner_client, session):
    first = candidates_with_history(session, 2)
    for candidate in first:
        candidate.family_name = "Yilmaz"
        candidate.save(update_fields=["family_name"])
    planner_client.get(book_url(session))  # the session's first page view is not measured
    with_two = page_statements(planner_client, session)
    for candidate in candidates_with_history(session, 18):
        candidate.family_name = "Yilmaz"
        candidate.save(update_fields=["family_name"])

    response = planner_client.get(book_url(session), {"q": "yilmaz"})
    with_twenty = page_statements(planner_client, session)

    assert len(response.context["rows"]) == 20
    assert with_twenty == with_two


def test_the_page_statement_count_is_capped(planner_client, session, django_assert_max_num_queries):
    for candidate in candidates_with_history(session, 25):
        candidate.family_name = "Yilmaz"
        candidate.save(update_fields=["family_name"])

    with django_assert_max_num_queries(20):
        response = planner_client.get(book_url(session), {"q": "yilmaz", "page": 2})

    assert len(response.context["rows"]) == 5
