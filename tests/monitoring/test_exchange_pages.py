"""The exchange API's progress and results lists: grading's rule, fixed queries, tenancy,
and cursor walks that see every row once while rows are added between pages."""

from __future__ import annotations

import pytest
from django.test import Client

from examens.models import ApiToken, Candidate, Decision
from examens.services import revoke_api_token
from grading.selectors import candidate_progress
from grading.services import correct_result
from tests.conftest import agency_staff, fresh_factor
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    OrganisationFactory,
    ProviderFactory,
    UserFactory,
    component,
)

from .exchange_factories import (
    PROGRESS,
    RESULTS,
    auth_for,
    queries_of_a_page,
    released_result_for,
    walk,
)

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


# --- tenancy ------------------------------------------------------------------------------


def test_a_provider_sees_the_residents_of_its_contracting_towns_once(client):
    town, elsewhere = OrganisationFactory(), OrganisationFactory()
    provider = ProviderFactory()
    provider.contracted_by.add(town)
    ProviderFactory().contracted_by.add(town)  # a second provider of the same town
    mine, theirs = resident(town), resident(elsewhere)
    auth = auth_for(provider, ["progress:read", "results:read"])

    progress = client.get(PROGRESS, **auth).json()["results"]
    results = client.get(RESULTS, **auth).json()["results"]
    towns_own = client.get(PROGRESS, **auth_for(town, ["progress:read"])).json()["results"]

    assert [row["id"] for row in progress] == [mine.pk] == [row["id"] for row in towns_own]
    assert [row["candidate"] for row in results] == [mine.pk]
    assert client.get(f"{PROGRESS}{theirs.pk}/", **auth).status_code == 404
    their_result = theirs.results.get()
    assert client.get(f"{RESULTS}{their_result.pk}/", **auth).status_code == 404


@pytest.mark.parametrize(("url", "scope"), [(PROGRESS, "progress:read"), (RESULTS, "results:read")])
def test_asking_for_another_towns_candidate_gives_an_empty_page(client, url, scope):
    theirs = resident(OrganisationFactory())
    auth = auth_for(OrganisationFactory(), [scope])

    page = client.get(url, {"candidate": theirs.pk}, **auth).json()

    assert page["results"] == []
    assert page["next"] is None


def test_a_result_of_another_town_is_a_404_in_every_version(client):
    theirs = resident(OrganisationFactory())
    original = theirs.results.get()
    corrected = correct(original)
    auth = auth_for(OrganisationFactory(), ["results:read"])

    for version in (original, corrected):
        response = client.get(f"{RESULTS}{version.pk}/", **auth)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("url", "scope"), [(PROGRESS, "progress:read"), (RESULTS, "results:read")])
def test_a_revoked_token_is_refused(client, url, scope):
    town = OrganisationFactory()
    person = resident(town)
    auth = auth_for(town, [scope])
    assert client.get(url, **auth).status_code == 200
    revoke_api_token(ApiToken.objects.get(organisation=town), actor=UserFactory(is_superuser=True))

    listed = client.get(url, **auth)
    own = person.pk if url == PROGRESS else person.results.get().pk
    detail = client.get(f"{url}{own}/", **auth)

    assert listed.status_code == detail.status_code == 401
    assert listed.json()["code"] == "authentication_failed"


# --- cursor walks -------------------------------------------------------------------------


def correct(result):
    staff = fresh_factor(agency_staff())
    return correct_result(result, actor=staff, reason="verkeerde sleutel", raw_score=0)


def test_a_results_walk_sees_every_version_once_while_results_and_corrections_come_in(client):
    town = OrganisationFactory()
    people = [resident(town) for _ in range(4)]
    resident(OrganisationFactory())  # another town's: never on a page
    first = [r.pk for p in people for r in p.results.all()]
    added: list[int] = []

    def between():
        if len(added) < 4:
            added.append(released_result_for(CandidateFactory(municipality=town)).pk)
            added.append(correct(people[len(added) // 2].results.get(is_current=True)).pk)

    seen = walk(client, f"{RESULTS}?limit=2", auth_for(town, ["results:read"]), between=between)

    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(first + added)


def test_a_results_walk_shows_the_corrected_version_as_superseded(client):
    town = OrganisationFactory()
    original = resident(town).results.get()
    corrected = correct(original)

    rows = client.get(RESULTS, **auth_for(town, ["results:read"])).json()["results"]

    assert [(r["id"], r["status"], r["is_current"], r["corrects"]) for r in rows] == [
        (original.pk, "superseded", False, None),
        (corrected.pk, "released", True, original.pk),
    ]


def test_a_progress_walk_with_an_agency_token_sees_every_candidate_once(client):
    people = [CandidateFactory().pk for _ in range(5)]
    added: list[int] = []

    def between():
        if len(added) < 2:
            added.append(CandidateFactory().pk)

    seen = walk(
        client, f"{PROGRESS}?limit=2", auth_for(AgencyFactory(), ["progress:read"]), between=between
    )

    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(people + added)


# --- schema -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "scope", "component"),
    [
        ("/api/v1/exchange/progress/", "progress:read", "Progress"),
        ("/api/v1/exchange/results/", "results:read", "ResultVersion"),
    ],
)
def test_the_schema_lists_the_list_and_detail_operations(path, scope, component):
    schema = Client().get("/api/schema/?format=json").json()

    listing = schema["paths"][path]["get"]
    detail = schema["paths"][f"{path}{{id}}/"]["get"]

    for operation in (listing, detail):
        assert f"Token scope: `{scope}`" in operation["description"]
        assert {"401", "403", "404"} <= set(operation["responses"])
    assert {p["name"] for p in listing["parameters"]} >= {"cursor", "limit", "updated_since"}
    assert "bsn" not in schema["components"]["schemas"][component]["properties"]
