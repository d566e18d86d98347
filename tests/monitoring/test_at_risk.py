"""The at-risk selector: each rule on known data, tenancy, agreement with grading."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from examens.models import Decision, Role
from grading.models import Result
from grading.selectors import candidate_progress
from monitoring.at_risk import AtRiskQuery, active_rules, at_risk_candidates, matched_rules
from monitoring.at_risk_models import AtRiskRule
from scheduling.models import Booking
from tests.examens.factories import AgencyFactory, MembershipFactory, OrganisationFactory

from .at_risk_factories import candidate, sitting

pytestmark = pytest.mark.django_db

FAILED = Result.Outcome.FAILED


@pytest.fixture
def world():
    utrecht = OrganisationFactory(name="Utrecht")
    zeist = OrganisationFactory(name="Zeist")
    w = {"utrecht": utrecht, "zeist": zeist}
    # Term ends in three months, nothing sat for a year: ending soon and quiet.
    w["ending"] = candidate(utrecht, started_months_ago=33, ends_in_days=90)
    # Term ended ten days ago: the home page's list left them out.
    w["ended"] = candidate(utrecht, started_months_ago=36, ends_in_days=-10)
    # Term ended too, but exempted from everything: not at risk.
    w["exempted"] = candidate(utrecht, started_months_ago=36, ends_in_days=-10)
    Decision.objects.create(
        candidate=w["exempted"],
        kind=Decision.Kind.EXEMPTION,
        ground=Decision.Ground.MEDICAL,
        decided_for=AgencyFactory(),
        decided_by=MembershipFactory(role=Role.OFFICER).user,
        reason="medisch",
    )
    # Three failures in a row at LEZ, the latest last week; term far off.
    w["failing"] = candidate(utrecht, started_months_ago=12, ends_in_days=700)
    sitting(w["failing"], days_ago=120)
    sitting(w["failing"], days_ago=60)
    sitting(w["failing"], days_ago=7, status=Booking.Status.CHECKED_IN, outcome=FAILED)
    # Two failures only.
    w["twice"] = candidate(utrecht, started_months_ago=12, ends_in_days=700)
    sitting(w["twice"], days_ago=60)
    sitting(w["twice"], days_ago=7)
    # Three failures, then a sitting whose result is not out: the run is over.
    w["waiting"] = candidate(utrecht, started_months_ago=12, ends_in_days=700)
    for days in (200, 150, 100):
        sitting(w["waiting"], days_ago=days)
    sitting(w["waiting"], days_ago=5, status=Booking.Status.CHECKED_IN)
    # Quiet for a year, but a seat is booked: not "no attempt".
    w["booked"] = candidate(utrecht, started_months_ago=12, ends_in_days=700)
    sitting(w["booked"], days_ago=-10, status=Booking.Status.BOOKED)
    # Quiet for a year, nothing booked, term far off: no attempt.
    w["quiet"] = candidate(utrecht, started_months_ago=12, ends_in_days=700)
    # New: term started a month ago.
    w["new"] = candidate(utrecht, started_months_ago=1, ends_in_days=1000)
    # Zeist's resident matches everything, for Zeist's officers only.
    w["resident_of_zeist"] = candidate(zeist, started_months_ago=36, ends_in_days=-1)
    return w


def officer_of(organisation):
    return MembershipFactory(organisation=organisation, role=Role.OFFICER).user


def listed(user, **query):
    rules = active_rules()
    qs = at_risk_candidates(user, AtRiskQuery(**query), rules=rules)
    return {c.pk: {r.kind for r in matched_rules(c, rules)} for c in qs}


def test_each_rule_on_known_data(world):
    found = listed(officer_of(world["utrecht"]))
    expired, ending = AtRiskRule.Kind.TERM_EXPIRED, AtRiskRule.Kind.TERM_ENDING
    quiet, failed = AtRiskRule.Kind.NO_ATTEMPT, AtRiskRule.Kind.FAILED_IN_A_ROW
    assert found == {
        world["ending"].pk: {ending, quiet},
        world["ended"].pk: {expired, quiet},
        world["failing"].pk: {failed},
        world["quiet"].pk: {quiet},
    }


def test_a_term_already_ended_is_listed(world):
    expired = AtRiskRule.objects.get(kind=AtRiskRule.Kind.TERM_EXPIRED)
    assert set(listed(officer_of(world["utrecht"]), rule=expired.pk)) == {world["ended"].pk}


def test_rule_parameters_are_data(world):
    AtRiskRule.objects.filter(kind=AtRiskRule.Kind.FAILED_IN_A_ROW).update(parameter=2)
    failed = AtRiskRule.objects.get(kind=AtRiskRule.Kind.FAILED_IN_A_ROW)
    found = set(listed(officer_of(world["utrecht"]), rule=failed.pk))
    assert found == {world["failing"].pk, world["twice"].pk}


def test_an_inactive_rule_lists_nobody(world):
    AtRiskRule.objects.exclude(kind=AtRiskRule.Kind.TERM_EXPIRED).update(active=False)
    assert set(listed(officer_of(world["utrecht"]))) == {world["ended"].pk}


def test_other_municipalities_residents_are_never_listed(world):
    assert world["resident_of_zeist"].pk not in listed(officer_of(world["utrecht"]))
    assert set(listed(officer_of(world["zeist"]))) == {world["resident_of_zeist"].pk}


def test_the_agency_sees_everyone_at_risk(world):
    found = listed(officer_of(AgencyFactory()))
    assert {world["resident_of_zeist"].pk, world["ended"].pk, world["failing"].pk} <= set(found)


def test_a_planner_sees_no_list(world):
    planner = MembershipFactory(organisation=world["utrecht"], role=Role.PLANNER).user
    assert listed(planner) == {}


def test_attempts_agree_with_candidate_progress(world):
    rules = active_rules()
    qs = at_risk_candidates(officer_of(world["utrecht"]), AtRiskQuery(), rules=rules)
    for c in qs:
        progress = candidate_progress(c)
        assert c.attempts_used == sum(item.attempts_used for item in progress.items)
        assert c.requirements_outstanding == sum(
            1 for item in progress.items if item.status == "outstanding" and not item.optional
        )


def test_sorting_by_term_end_and_attempts(world):
    officer = officer_of(world["utrecht"])
    by_term = list(listed(officer, sort="term_end"))
    assert by_term[0] == world["ended"].pk
    rules = active_rules()
    qs = at_risk_candidates(officer, AtRiskQuery(sort="-attempts"), rules=rules)
    assert next(iter(qs)).pk == world["failing"].pk


def test_an_unknown_sort_is_refused():
    with pytest.raises(ValueError, match="sort"):
        at_risk_candidates(officer_of(OrganisationFactory()), AtRiskQuery(sort="bsn"), rules=[])


def test_query_count_does_not_grow_with_candidates(world, django_assert_max_num_queries):
    officer = officer_of(world["utrecht"])
    rules = active_rules()

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            list(at_risk_candidates(officer, AtRiskQuery(), rules=rules))
        return len(queries)

    before = count_queries()
    for _ in range(5):
        failing = candidate(world["utrecht"], started_months_ago=12, ends_in_days=700)
        for days in (90, 60, 30):
            sitting(failing, days_ago=days)
    assert count_queries() == before
    assert len(listed(officer)) == 9


def test_last_attempt_is_the_latest_sitting_date(world):
    from .at_risk_factories import today

    rules = active_rules()
    qs = at_risk_candidates(officer_of(world["utrecht"]), AtRiskQuery(), rules=rules)
    by_pk = {c.pk: c for c in qs}
    assert by_pk[world["failing"].pk].last_attempt_on == today() - datetime.timedelta(days=7)
    assert by_pk[world["quiet"].pk].last_attempt_on is None
