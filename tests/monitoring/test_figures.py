"""Stored figures (decision 0033): what the overview and the national view read is what
a live count says, counted again when stale, by one job at a time, never half-read."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examens.audit import SystemActor
from examens.models import AuditEvent, Candidate, Decision
from grading.models import Result
from monitoring.at_risk_models import AtRiskRule
from monitoring.figures import refresh_key
from monitoring.figures_models import FigureCell, FigureSnapshot
from monitoring.figures_state import rules_fingerprint
from monitoring.overview import (
    OverviewFilter,
    municipality_overview,
    national_view,
    status_counts,
)
from monitoring.overview_indicators import indicators
from monitoring.services import refresh_figures, update_at_risk_rule
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

from .test_overview import TODAY, officer

pytestmark = pytest.mark.django_db
JOB = SystemActor("figures-test")

RESIDENT = st.fixed_dictionaries(
    {
        "town": st.integers(0, 1),
        "route": st.sampled_from(["B1", "Z"]),
        "cohort": st.integers(2021, 2024),
        "asylum": st.booleans(),
        "term_days": st.integers(-400, 400),
        "bookings": st.lists(
            st.tuples(
                st.sampled_from(["checked_in", "cancelled", "no_show"]),
                st.sampled_from(["passed", "failed", None]),  # the result of a sitting
                st.booleans(),  # released
                st.integers(1, 120),  # days from the sitting to the release
            ),
            max_size=3,
        ),
        "seat_held": st.booleans(),  # an open booking after those
        "extension": st.sampled_from([None, "effort", "medical"]),
    }
)


def make_resident(towns, traits, clerk) -> Candidate:
    start = datetime.date(traits["cohort"], 3, 1)
    person = CandidateFactory(
        municipality=towns[traits["town"]],
        route=route(traits["route"]),
        term_start=start,
        term_end=TODAY + datetime.timedelta(days=traits["term_days"]),
        is_asylum_migrant=traits["asylum"],
    )
    lez = component("LEZ")
    for attempt, (status, outcome, released, days) in enumerate(traits["bookings"], start=1):
        booking = BookingFactory(
            candidate=person, status=status, attempt_number=attempt, session=SessionFactory()
        )
        if outcome and status == "checked_in":
            sat_on = TODAY - datetime.timedelta(days=130)
            Result.objects.create(
                candidate=person,
                component=lez,
                level="B1",
                booking=booking,
                outcome=outcome,
                status=Result.Status.RELEASED if released else Result.Status.DRAFT,
                sat_on=sat_on,
                released_at=timezone.make_aware(
                    datetime.datetime.combine(
                        sat_on + datetime.timedelta(days=days), datetime.time(12)
                    )
                )
                if released
                else None,
            )
    if traits.get("seat_held"):
        BookingFactory(candidate=person, status="booked", session=SessionFactory())
    if traits["extension"]:
        Decision.objects.create(
            candidate=person,
            kind=Decision.Kind.TERM_EXTENSION,
            ground=traits["extension"],
            extension_days=60,
            decided_by=clerk,
            decided_for=person.municipality,
            reason="x",
        )
    return person


def residents(municipality, filters):
    return filters.apply(Candidate.objects.filter(municipality=municipality))


def live_lines(municipality, filters) -> dict:
    by = ["cohort", "regime", "route", "asylum"]
    counted: dict = {}
    for cohort, regime, code, asylum, status, n in status_counts(
        residents(municipality, filters), by=by, today=TODAY
    ):
        line = counted.setdefault((cohort, regime, code, bool(asylum)), {})
        line[status] = line.get(status, 0) + n
    return counted


def stored_lines(overview) -> dict:
    return {line.key: {s: n for s, n in line.counts.items() if n} for line in overview.lines}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(RESIDENT, min_size=1, max_size=6), cohort=st.integers(2021, 2024))
def test_the_stored_figures_say_what_a_live_count_says(people, cohort):
    towns = [OrganisationFactory(name="Zwolle"), OrganisationFactory(name="Deventer")]
    clerk = UserFactory()
    for traits in people:
        make_resident(towns, traits, clerk)
    agency = officer(AgencyFactory())
    refresh_figures(actor=JOB, day=TODAY, force=True)
    with override_settings(MONITORING_FIGURES_MAX_AGE=3600):  # all read the one snapshot
        compare_with_live(towns, agency, cohort)


def compare_with_live(towns, agency, cohort) -> None:
    for filters in (
        OverviewFilter(),
        OverviewFilter(cohort=cohort),
        OverviewFilter(route=route("Z").pk),
        OverviewFilter(regime="WI2021", cohort=cohort),
    ):
        for town in towns:
            shown = municipality_overview(officer(town), filters=filters, today=TODAY)
            assert stored_lines(shown) == live_lines(town, filters)
            assert shown.indicators == indicators(residents(town, filters), today=TODAY)
        national = national_view(agency, filters=filters, today=TODAY)
        for line in national.lines:
            town = (
                next(t for t in towns if t.pk == line.key[0])
                if line.key[0] in {t.pk for t in towns}
                else None
            )
            if town is not None:
                live = live_lines(town, filters)
                for status, n in line.counts.items():
                    assert n == sum(counts.get(status, 0) for counts in live.values())


def test_the_varied_data_reaches_every_indicator():
    """The generator above is not idle: one of each reaches every measure."""
    towns = [OrganisationFactory(), OrganisationFactory()]
    clerk = UserFactory()
    make_resident(
        towns,
        {
            "town": 0,
            "route": "B1",
            "cohort": 2023,
            "asylum": True,
            "term_days": -10,
            "bookings": [("checked_in", "failed", True, 20), ("checked_in", "passed", True, 70)],
            "extension": "effort",
        },
        clerk,
    )
    snapshot = refresh_figures(actor=JOB, day=TODAY)
    measures = set(FigureCell.objects.filter(snapshot=snapshot).values_list("measure", flat=True))
    assert measures == set(FigureCell.Measure.values)


def test_a_fresh_snapshot_is_read_and_says_when_it_was_counted(client, settings):
    settings.MONITORING_FIGURES_MAX_AGE = 3600
    town = OrganisationFactory(name="Zwolle")
    CandidateFactory(municipality=town, route=route("B1"), term_start=datetime.date(2024, 3, 1))
    user = officer(town)
    login_verified(client, user)
    first = client.get(reverse("monitoring:overview"))
    CandidateFactory(municipality=town, route=route("B1"), term_start=datetime.date(2024, 3, 1))
    second = client.get(reverse("monitoring:overview"))

    assert first.context["result"].total == second.context["result"].total == 1
    assert "Figures as counted at" in second.content.decode() or "Cijfers zoals geteld" in (
        second.content.decode()
    )
    assert AuditEvent.objects.filter(action="monitoring.figures.refreshed").count() == 1
    refresh_figures(actor=JOB, force=True)
    assert client.get(reverse("monitoring:overview")).context["result"].total == 2


def test_figures_of_another_day_or_other_rules_are_counted_again(settings):
    settings.MONITORING_FIGURES_MAX_AGE = 3600
    town = OrganisationFactory()
    CandidateFactory(municipality=town, route=route("B1"), term_end=TODAY)
    user = officer(town)
    first = municipality_overview(user, filters=OverviewFilter(), today=TODAY).snapshot
    again = municipality_overview(user, filters=OverviewFilter(), today=TODAY).snapshot
    tomorrow = TODAY + datetime.timedelta(days=1)
    next_day = municipality_overview(user, filters=OverviewFilter(), today=tomorrow)
    assert first == again
    assert next_day.snapshot.day == tomorrow
    assert next_day.lines[0].counts["expired"] == 1  # the term ended the day before

    rule = AtRiskRule.objects.get(kind=AtRiskRule.Kind.TERM_ENDING)
    admin = MembershipFactory(organisation=AgencyFactory(), role="admin").user
    update_at_risk_rule(rule.pk, actor=admin, parameter=rule.parameter, active=not rule.active)
    recounted = municipality_overview(user, filters=OverviewFilter(), today=tomorrow).snapshot
    assert recounted != next_day.snapshot
    assert recounted.rules != next_day.snapshot.rules


def test_a_second_job_returns_the_fresh_snapshot_and_two_are_kept(settings):
    settings.MONITORING_FIGURES_MAX_AGE = 3600
    CandidateFactory()
    first = refresh_figures(actor=JOB)
    assert refresh_figures(actor=JOB) == first  # fresh: not counted twice
    second = refresh_figures(actor=JOB, force=True)
    third = refresh_figures(actor=JOB, force=True)
    kept = set(FigureSnapshot.objects.values_list("pk", flat=True))
    assert kept == {second.pk, third.pk}
    assert not FigureCell.objects.filter(snapshot_id=first.pk).exists()
    events = AuditEvent.objects.filter(action="monitoring.figures.refreshed")
    assert events.count() == 3
    assert events.last().data["cells"] == third.cells > 0


def test_before_the_first_count_the_page_says_so(client, settings):
    """Services mode: the count is queued for a worker and nothing was ever counted."""
    settings.MONITORING_FIGURES_MAX_AGE = 3600
    town = OrganisationFactory()
    CandidateFactory(municipality=town)
    cache.set(refresh_key(TODAY, rules_fingerprint()), 1, 60)  # already queued
    try:
        login_verified(client, officer(town))
        response = client.get(reverse("monitoring:overview"), HTTP_ACCEPT_LANGUAGE="en")
    finally:
        cache.clear()
    assert response.status_code == 200
    assert response.context["result"].snapshot is None
    assert not FigureSnapshot.objects.exists()
