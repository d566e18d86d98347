"""The exchange API: tenancy by token, scopes, cursor pages, no BSN."""

from __future__ import annotations

import pytest

from tests.examens.factories import AgencyFactory, CandidateFactory, OrganisationFactory

from .exchange_factories import CERTIFICATES, PROGRESS, RESULTS, auth_for, released_result_for

pytestmark = pytest.mark.django_db


def test_a_municipality_token_sees_only_its_own_residents(client):
    town_a, town_b = OrganisationFactory(), OrganisationFactory()
    mine = CandidateFactory(municipality=town_a)
    theirs = CandidateFactory(municipality=town_b)
    auth = auth_for(town_a, ["progress:read"])
    listed = client.get(PROGRESS, **auth)
    other = client.get(f"{PROGRESS}{theirs.pk}/", **auth)
    own = client.get(f"{PROGRESS}{mine.pk}/", **auth)

    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert other.status_code == 404
    assert own.status_code == 200
    assert own.json()["term_end"] == mine.term_end.isoformat()


def test_a_municipality_token_never_sees_another_towns_results(client):
    town_a, town_b = OrganisationFactory(), OrganisationFactory()
    mine = released_result_for(CandidateFactory(municipality=town_a))
    theirs = released_result_for(CandidateFactory(municipality=town_b))
    auth = auth_for(town_a, ["results:read"])

    listed = client.get(RESULTS, **auth).json()["results"]

    assert [row["id"] for row in listed] == [mine.pk]
    assert client.get(f"{RESULTS}{theirs.pk}/", **auth).status_code == 404
    assert (
        client.get(f"{CERTIFICATES}", **auth_for(town_a, ["certificates:read"])).json()["results"]
        == []
    )


def test_the_agency_token_sees_every_municipality(client):
    candidates = [CandidateFactory(), CandidateFactory()]
    auth = auth_for(AgencyFactory(), ["progress:read"])

    listed = client.get(PROGRESS, **auth).json()["results"]

    assert {row["id"] for row in listed} == {c.pk for c in candidates}


def test_each_operation_asks_for_its_own_scope(client):
    auth = auth_for(AgencyFactory(), ["results:read"])

    assert client.get(PROGRESS, **auth).status_code == 403
    assert client.get(CERTIFICATES, **auth).status_code == 403
    assert client.get(RESULTS, **auth).status_code == 200


def test_a_cursor_walk_sees_every_row_once_even_with_inserts_between_pages(client):
    town = OrganisationFactory()
    first = [CandidateFactory(municipality=town).pk for _ in range(5)]
    auth = auth_for(town, ["progress:read"])
    seen: list[int] = []
    url = f"{PROGRESS}?limit=2"
    added: list[int] = []
    while url:
        page = client.get(url, **auth).json()
        seen += [row["id"] for row in page["results"]]
        if len(added) < 3:
            added.append(CandidateFactory(municipality=town).pk)
        url = page["next"]

    assert sorted(seen) == sorted(first + added)
    assert len(seen) == len(set(seen))


def test_a_cursor_we_did_not_give_out_is_a_404_and_a_bad_limit_a_400(client):
    auth = auth_for(AgencyFactory(), ["progress:read"])

    response = client.get(f"{PROGRESS}?cursor=cD1hYmM%3D", **auth)  # p=abc

    too_big = client.get(f"{PROGRESS}?limit=101", **auth)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert too_big.status_code == 400
    assert too_big.json()["field"] == "limit"


def test_no_bsn_in_progress_or_results(client):
    candidate = CandidateFactory()
    released_result_for(candidate)
    auth = auth_for(AgencyFactory(), ["progress:read", "results:read"])

    bodies = client.get(PROGRESS, **auth).content + client.get(RESULTS, **auth).content

    assert candidate.bsn.encode() not in bodies
    assert b"bsn" not in bodies


def test_updated_since_leaves_out_older_results(client):
    result = released_result_for(CandidateFactory())
    auth = auth_for(AgencyFactory(), ["results:read"])

    before = client.get(RESULTS, {"updated_since": "2000-01-01T00:00:00Z"}, **auth).json()
    after = client.get(RESULTS, {"updated_since": "2999-01-01T00:00:00Z"}, **auth).json()

    assert [row["id"] for row in before["results"]] == [result.pk]
    assert after["results"] == []


@pytest.mark.parametrize("cursor", ["%1C", "%20%20"])
def test_a_whitespace_or_control_character_cursor_is_decoded_not_refused(client, cursor):
    """Schemathesis found `?cursor=%1C` trimmed to blank and refused with a 400, though
    a non-empty string is a schema-valid cursor: it is decoded as given (these decode to
    the start of the list)."""
    town = OrganisationFactory()
    CandidateFactory(municipality=town)
    auth = auth_for(town, ["progress:read"])

    response = client.get(f"{PROGRESS}?cursor={cursor}", **auth)

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_an_empty_cursor_is_refused_on_its_field_as_the_schema_says(client):
    auth = auth_for(AgencyFactory(), ["progress:read"])

    response = client.get(f"{PROGRESS}?cursor=", **auth)

    assert response.status_code == 400
    assert response.json()["field"] == "cursor"
