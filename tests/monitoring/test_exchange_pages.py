"""The exchange API's progress and results lists: grading's rule, fixed queries, tenancy,
and cursor walks that see every row once while rows are added between pages."""

from __future__ import annotations

import pytest

from examens.models import Candidate, Decision
from grading.selectors import candidate_progress
from tests.examens.factories import (
    CandidateFactory,
    OrganisationFactory,
    UserFactory,
    component,
)

from .exchange_factories import PROGRESS, RESULTS, auth_for, queries_of_a_page, released_result_for

pytestmark = pytest.mark.django_db


def resident(town) -> Candidate:
    """A candidate of `town` with a released result and a step-down: every part of
    the progress rule has rows to read."""
    candidate = CandidateFactory(municipality=town)
    released_result_for(candidate)
    Decision.objects.create(
        candidate=candidate,
        kind=Decision.Kind.STEP_DOWN,
        component=component("SCH"),
        level="A2",
        decided_by=UserFactory(),
        decided_for=town,
        reason="t",
    )
    return candidate


@pytest.mark.parametrize(("url", "scope"), [(PROGRESS, "progress:read"), (RESULTS, "results:read")])
def test_a_page_of_20_takes_the_queries_of_a_page_of_2(client, url, scope):
    town = OrganisationFactory()
    auth = auth_for(town, [scope])
    for _ in range(2):
        resident(town)
    two = queries_of_a_page(client, url, auth)
    for _ in range(18):
        resident(town)

    twenty = queries_of_a_page(client, url, auth)
    rows = client.get(url, **auth).json()["results"]

    assert len(rows) == 20
    assert twenty == two


def test_progress_is_grading_rule_for_each_candidate_on_the_page(client):
    town = OrganisationFactory()
    people = [resident(town), CandidateFactory(municipality=town)]
    auth = auth_for(town, ["progress:read"])

    rows = {row["id"]: row for row in client.get(PROGRESS, **auth).json()["results"]}

    for person in people:
        progress = candidate_progress(person)
        row = rows[person.pk]
        assert row["complete"] == progress.complete
        assert [
            (r["component"], r["level"], r["status"], r["attempts_used"], r["result"])
            for r in row["requirements"]
        ] == [
            (i.component_code, i.level, i.status, i.attempts_used, i.result_id)
            for i in progress.items
        ]
    stepped = {r["component"]: r for r in rows[people[0].pk]["requirements"]}["SCH"]
    assert stepped["level"] == "A2"
    assert any(r["result"] for r in rows[people[0].pk]["requirements"])
