"""The overview and national view: statuses, indicators, tenancy, suppression, exports."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from examens.models import AuditEvent, Decision, Role
from grading.models import Result
from grading.progress_sets import annotate_progress
from grading.selectors import candidate_progress
from monitoring import overview_indicators as indicators
from monitoring.overview import OverviewFilter, municipality_overview, national_view
from monitoring.overview_rules import (
    AT_RISK,
    COMPLETED,
    EXEMPTED,
    EXPIRED,
    IN_PROGRESS,
    STATUSES,
    add_months,
)
from tests.conftest import login_verified
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    component,
    route,
)
from tests.grading.factories import BookingFactory, SessionFactory

from .svg import misdrawn

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the pages count against today; the fixture follows it
YESTERDAY = TODAY - datetime.timedelta(days=1)
STATUS_NAMES = ["Completed", "Exempted", "In progress", "At risk", "Term expired"]


def officer(organisation):
    return MembershipFactory(organisation=organisation, role=Role.OFFICER).user


def exempt_whole(candidate, by):
    Decision.objects.create(
        candidate=candidate,
        kind=Decision.Kind.EXEMPTION,
        ground=Decision.Ground.MEDICAL,
        decided_by=by,
        decided_for=candidate.municipality,
        reason="arts",
    )


def complete(candidate, by):
    """Every requirement of the candidate's route exempted one by one: complete."""
    for requirement in candidate.route.requirements.all():
        Decision.objects.create(
            candidate=candidate,
            kind=Decision.Kind.EXEMPTION,
            ground=Decision.Ground.DIPLOMA,
            component=requirement.component,
            decided_by=by,
            decided_for=candidate.municipality,
            reason="diploma",
        )


@pytest.fixture
def town():
    """Zwolle: one resident per status (cohort 2024, B1) and a 2022 Z-route resident in
    progress; Deventer: three residents who must never count in Zwolle's overview."""
    zwolle, deventer = OrganisationFactory(name="Zwolle"), OrganisationFactory(name="Deventer")
    clerk = UserFactory()
    start = datetime.date(2024, 3, 1)
    b1 = route("B1")
    people = {
        EXEMPTED: CandidateFactory(
            municipality=zwolle,
            route=b1,
            term_start=start,
            term_end=add_months(TODAY, 3),
            is_asylum_migrant=True,
        ),
        COMPLETED: CandidateFactory(
            municipality=zwolle,
            route=b1,
            term_start=start,
            term_end=YESTERDAY,
            is_asylum_migrant=True,
        ),
        EXPIRED: CandidateFactory(
            municipality=zwolle,
            route=b1,
            term_start=start,
            term_end=YESTERDAY,
            is_asylum_migrant=True,
        ),
        AT_RISK: CandidateFactory(
            municipality=zwolle,
            route=b1,
            term_start=start,
            term_end=TODAY,
            is_asylum_migrant=True,
        ),
        IN_PROGRESS: CandidateFactory(
            municipality=zwolle,
            route=b1,
            term_start=start,
            term_end=add_months(TODAY, 7),  # the term-ending rule counts six months
            is_asylum_migrant=True,
        ),
    }
    exempt_whole(people[EXEMPTED], clerk)
    complete(people[COMPLETED], clerk)
    z = CandidateFactory(
        municipality=zwolle,
        route=route("Z"),
        term_start=datetime.date(2022, 5, 1),
        term_end=add_months(TODAY, 12),
    )
    for busy in (people[IN_PROGRESS], z):  # a seat booked: the no-attempt rule passes them
        BookingFactory(candidate=busy, status="booked", session=SessionFactory())
    for _ in range(3):
        CandidateFactory(municipality=deventer, route=b1, term_start=start, term_end=YESTERDAY)
    return {"zwolle": zwolle, "deventer": deventer, "people": people, "z": z, "clerk": clerk}


def test_each_status_is_counted_once_for_the_municipality_own_residents(town):
    result = municipality_overview(officer(town["zwolle"]), filters=OverviewFilter(), today=TODAY)

    asylum_b1 = next(line for line in result.lines if line.key == (2024, "WI2021", "B1", True))
    assert asylum_b1.counts == dict.fromkeys(STATUSES, 1)
    z_line = next(line for line in result.lines if line.key[0] == 2022)
    assert z_line.counts[IN_PROGRESS] == 1
    assert z_line.key == (2022, "WI2021", "Z", False)
    assert result.total == 6  # Deventer's three never count
    assert [c.label for c in result.cohorts] == ["2022", "2024"]


def test_the_statuses_agree_with_grading(town):
    for person in town["people"].values():
        annotated = annotate_progress(type(person).objects.filter(pk=person.pk)).get()
        assert annotated.route_complete == candidate_progress(person).complete


def test_the_filters_narrow_cohort_regime_and_route(town):
    user = officer(town["zwolle"])

    def total(**kw):
        return municipality_overview(user, filters=OverviewFilter(**kw), today=TODAY).total

    assert total(cohort=2022) == 1
    assert total(cohort=2024) == 5
    assert total(regime="WI2013") == 0
    assert total(route=route("Z").pk) == 1


def test_no_officer_of_the_municipality_is_refused_inside_the_selector(town):
    from examens.exceptions import NotPermitted

    planner = MembershipFactory(organisation=town["zwolle"], role=Role.PLANNER).user
    with pytest.raises(NotPermitted):
        municipality_overview(planner, filters=OverviewFilter())
    with pytest.raises(NotPermitted):
        municipality_overview(
            officer(town["zwolle"]), filters=OverviewFilter(), municipality_id=town["deventer"].pk
        )
    with pytest.raises(NotPermitted):
        national_view(officer(town["zwolle"]), filters=OverviewFilter())


def test_the_national_view_suppresses_small_cells_with_secondary_protection(town):
    view = national_view(officer(AgencyFactory()), filters=OverviewFilter(), today=TODAY)
    lines = {label: (cells, total) for label, cells, total in view.published.lines()}

    assert lines["Deventer"] == ([0, 0, 0, 0, "<10"], "<10")
    assert lines["Zwolle"] == (["<10"] * 5, "<10")
    assert view.published.total == "<10"
    assert all(line.total < 10 for line in view.lines if line.label in {"Zwolle", "Deventer"})


def test_pages_show_the_legend_the_chart_and_no_personal_data(client, town, settings):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login_verified(client, officer(town["zwolle"]))
    page = client.get(reverse("monitoring:overview"), {"cohort": "2024"}).content.decode()
    login_verified(client, officer(AgencyFactory()))
    national = client.get(reverse("monitoring:national")).content.decode()

    for body in (page, national):
        assert "<svg" in body
        assert "<desc" in body
        assert 'class="table-wrap"' in body
        for person in town["people"].values():
            assert person.family_name not in body
            assert person.bsn not in body
    assert "Overview of Zwolle" in page
    assert "&lt;10: fewer than 10, or hidden" in national
    assert "Deventer" in national


def test_the_chart_is_drawn_with_plain_numbers_on_a_dutch_page(client, town, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    login_verified(client, officer(town["zwolle"]))
    page = client.get(reverse("monitoring:overview")).content.decode()
    login_verified(client, officer(AgencyFactory()))
    national = client.get(reverse("monitoring:national")).content.decode()

    for body in (page, national):
        assert "<rect" in body
        assert misdrawn(body) == []


def test_a_bad_filter_is_a_400_naming_nothing_half_done(client, town):
    login_verified(client, officer(town["zwolle"]))
    assert client.get(reverse("monitoring:overview"), {"cohort": "abc"}).status_code == 400


def test_the_pages_refuse_who_may_not_see_them(client, town):
    login_verified(client, officer(town["zwolle"]))
    assert client.get(reverse("monitoring:national")).status_code == 403
    login_verified(client, officer(AgencyFactory()))
    assert client.get(reverse("monitoring:overview")).status_code == 403


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_suppressed_streamed_and_an_audit_event(client, town, fmt, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    user = officer(town["zwolle"])
    login_verified(client, user)
    response = client.post(reverse(f"monitoring:overview-export-{fmt}"), {"cohort": "2024"})
    data = _body(response)

    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    else:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        rows = [[("" if v is None else str(v)) for v in r] for r in book.active.values]
    assert response.streaming
    assert rows[0] == ["Cohort", "Regime", "Route", "Group", *STATUS_NAMES, "Total"]
    assert rows[1][:3] == ["2024", "WI2021", "B1"]
    assert rows[1][4:] == ["<10"] * 6
    assert rows[-2][0].startswith("<10")
    assert rows[-1][0].startswith("Figures as counted at")
    event = AuditEvent.objects.filter(action="monitoring.overview.exported").get()
    assert event.actor == user
    assert event.data["format"] == fmt
    assert event.data["filters"]["cohort"] == 2024
    for person in town["people"].values():
        assert person.bsn.encode() not in data


def test_exports_are_posts_and_the_national_one_is_the_agency_s(client, town):
    login_verified(client, officer(town["zwolle"]))
    assert client.get(reverse("monitoring:overview-export-csv")).status_code == 405
    assert client.post(reverse("monitoring:national-export-csv")).status_code == 403
    login_verified(client, officer(AgencyFactory()))
    response = client.post(reverse("monitoring:national-export-csv"))
    text = _body(response).decode("utf-8-sig")
    assert "Deventer;0;0;0;0;<10;<10" in text
    assert AuditEvent.objects.filter(action="monitoring.national.exported").count() == 1


def test_the_indicators_on_known_numbers(town):
    person = town["people"][AT_RISK]
    candidates = type(person).objects.filter(pk=person.pk)
    lez = component("LEZ")
    first = BookingFactory(
        candidate=person, status="no_show", attempt_number=1, session=SessionFactory()
    )
    second = BookingFactory(candidate=person, attempt_number=2, session=SessionFactory())
    type(first).objects.filter(pk=first.pk).update(
        created_at=datetime.datetime(2024, 4, 1, 12, tzinfo=datetime.UTC)
    )
    for booking, outcome in ((first, "failed"), (second, "passed")):
        Result.objects.create(
            candidate=person,
            component=lez,
            level="B1",
            booking=booking,
            outcome=outcome,
            status=Result.Status.RELEASED,
            sat_on=datetime.date(2025, 1, 6),
            released_at=datetime.datetime(
                2025, 2, 17 if outcome == "failed" else 28, 12, tzinfo=datetime.UTC
            ),
        )
    Decision.objects.create(
        candidate=person,
        kind=Decision.Kind.TERM_EXTENSION,
        ground=Decision.Ground.EFFORT,
        extension_days=90,
        decided_by=town["clerk"],
        decided_for=person.municipality,
        reason="x",
    )

    found = indicators.indicators(candidates, today=TODAY)
    assert found.first_booking.counts == [1, 0, 0, 0]  # 31 days
    rates = found.pass_rates
    assert [
        (r.component, r.first_sat, r.first_passed, r.later_sat, r.later_passed) for r in rates
    ] == [("LEZ", 1, 0, 1, 1)]
    assert found.attempts["LEZ"] == [
        0,
        0,
        1,
        0,
        0,
    ]  # one requirement, 2 attempts
    assert found.turnaround[0].on_time == 1  # 42 days, B1
    assert found.turnaround[0].late == 1  # 53 days
    assert sum(found.waits["LEZ"]) == 1  # the one checked in
    ext = found.extensions
    assert ext.candidates == 1
    assert ext.by_ground == [("effort", 1, 90)]


def test_the_query_count_does_not_grow_with_the_data(client, town):
    user = officer(town["zwolle"])
    login_verified(client, user)
    for _ in range(3):  # figures counted on every read here: two snapshots kept, then pruning
        client.get(reverse("monitoring:overview"))

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("monitoring:overview")).status_code == 200
        return len(captured.captured_queries)

    before = count()
    for year in (2019, 2020, 2023):
        for _ in range(4):
            c = CandidateFactory(
                municipality=town["zwolle"],
                route=route("B1"),
                term_start=datetime.date(year, 2, 1),
                term_end=datetime.date(year + 3, 2, 1),
            )
            BookingFactory(candidate=c, session=SessionFactory())
    assert count() == before
