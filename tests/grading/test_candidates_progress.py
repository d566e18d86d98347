"""candidates_progress: candidate_progress for a page of candidates at once, same verdicts."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from examens.models import Candidate, Route
from grading.selectors import candidate_progress, candidates_progress
from tests.examens.factories import CandidateFactory, OrganisationFactory
from tests.grading.test_progress_sets import PROPERTY, build_all, candidate

pytestmark = pytest.mark.django_db


@PROPERTY
@given(specs=st.lists(candidate, min_size=1, max_size=4))
def test_asked_together_each_candidate_gets_what_it_gets_alone(specs):
    """Decisions, results, bookings and routes of one candidate never leak to another."""
    with transaction.atomic():
        municipality, made = build_all(specs)
        alone = {}
        for person in made:
            # A fresh instance, so that nothing read for one call serves the other.
            alone[person.pk] = candidate_progress(Candidate.objects.get(pk=person.pk))

        together = candidates_progress(Candidate.objects.filter(municipality=municipality))

        assert together == alone
        transaction.set_rollback(True)


def test_the_query_count_does_not_grow_with_the_candidates():
    municipality = OrganisationFactory()
    routes = list(Route.objects.order_by("pk")[:3])

    def count() -> int:
        candidates = list(Candidate.objects.filter(municipality=municipality))
        with CaptureQueriesContext(connection) as queries:
            candidates_progress(candidates)
        return len(queries)

    for route in routes[:2]:
        CandidateFactory(municipality=municipality, route=route)
    few = count()
    for n in range(18):
        CandidateFactory(municipality=municipality, route=routes[n % len(routes)])

    assert count() == few == 5


def test_no_candidates_no_queries():
    with CaptureQueriesContext(connection) as queries:
        assert candidates_progress([]) == {}
    assert len(queries) == 0
