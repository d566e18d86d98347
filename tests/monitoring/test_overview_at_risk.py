"""The overview's "at risk" is the at-risk list's rules: the same count, one definition."""

import random

import pytest
from django.db.models import Q

from examens.models import Role
from grading.models import Result
from monitoring.at_risk import AtRiskQuery, active_rules, at_risk_candidates
from monitoring.at_risk_models import AtRiskRule
from monitoring.overview import OverviewFilter, municipality_overview
from monitoring.overview_rules import AT_RISK, EXPIRED
from scheduling.models import Booking
from tests.examens.factories import MembershipFactory, OrganisationFactory, route

from .at_risk_factories import candidate, sitting, today

pytestmark = pytest.mark.django_db


def _mixed_residents(municipality, rng, *, ended: bool):
    """Residents on two routes with terms ending soon or far off (or ended, with
    `ended`), quiet or busy, some failing in a row, some with a seat booked."""
    people = []
    for _ in range(14):
        person = candidate(
            municipality,
            started_months_ago=rng.choice([2, 8, 20, 33]),
            ends_in_days=rng.choice([-40, -1, 0, 60, 170, 400, 900] if ended else [0, 60, 400]),
            route=route(rng.choice(["B1", "Z"])),
        )
        for days in sorted(rng.sample([400, 200, 120, 60, 7], rng.randint(0, 3)), reverse=True):
            outcome = rng.choice([None, Result.Outcome.FAILED, Result.Outcome.PASSED])
            status = Booking.Status.CHECKED_IN if outcome else Booking.Status.NO_SHOW
            sitting(person, days_ago=days, status=status, outcome=outcome)
        if rng.random() < 0.2:
            sitting(person, days_ago=-14, status=Booking.Status.BOOKED)
        people.append(person)
    return people


def _list_count(user, **filters):
    return at_risk_candidates(user, AtRiskQuery(**filters), rules=active_rules()).count()


def _overview_at_risk(user, **filters):
    result = municipality_overview(user, filters=OverviewFilter(**filters), today=today())
    return sum(line.counts[AT_RISK] for line in result.lines)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_overview_counts_at_risk_as_the_at_risk_list_does(seed):
    rng = random.Random(seed)
    town, other = OrganisationFactory(), OrganisationFactory()
    _mixed_residents(town, rng, ended=False)
    _mixed_residents(other, rng, ended=False)
    user = MembershipFactory(organisation=town, role=Role.OFFICER).user

    assert _list_count(user) > 0
    assert _overview_at_risk(user) == _list_count(user)
    assert _overview_at_risk(user, route=route("Z").pk) == _list_count(user, route=route("Z").pk)
    assert _overview_at_risk(user, regime="WI2013") == _list_count(user, regime="WI2013") == 0


def test_a_rule_switched_off_counts_in_neither():
    rng = random.Random(7)
    town = OrganisationFactory()
    _mixed_residents(town, rng, ended=False)
    user = MembershipFactory(organisation=town, role=Role.OFFICER).user
    before = _list_count(user)
    AtRiskRule.objects.update(active=False)

    assert before > 0
    assert _overview_at_risk(user) == _list_count(user) == 0


@pytest.mark.parametrize("seed", [4, 5])
def test_an_ended_term_counts_as_expired_and_the_rest_as_the_list_does(seed):
    """The overview's statuses exclude each other: a term that has ended with something
    outstanding is "term expired" (the list shows it under its rule `term_expired`);
    of the others, "at risk" is exactly who the list shows."""
    rng = random.Random(seed)
    town = OrganisationFactory()
    _mixed_residents(town, rng, ended=True)
    user = MembershipFactory(organisation=town, role=Role.OFFICER).user
    result = municipality_overview(user, filters=OverviewFilter(), today=today())
    expired = sum(line.counts[EXPIRED] for line in result.lines)
    listed = at_risk_candidates(user, AtRiskQuery(), rules=active_rules())
    ended = Q(term_end__lt=today())

    assert expired > 0
    assert expired == listed.filter(ended).count()
    assert _overview_at_risk(user) == listed.exclude(ended).count() > 0
