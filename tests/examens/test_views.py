import pytest

from examens.models import AuditEvent, Component, Decision, Role
from examens.services import create_api_token
from tests.conftest import login_verified
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    membership = MembershipFactory(role=Role.OFFICER)
    login_verified(client, membership.user)
    return membership


def test_home_shows_the_roles_of_the_user(client, officer):
    response = client.get("/")
    assert response.status_code == 200
    assert officer.organisation.name in response.content.decode()


def test_candidate_list_shows_masked_bsn_only(client, officer):
    candidate = CandidateFactory(municipality=officer.organisation)
    body = client.get("/candidates/").content.decode()
    assert candidate.masked_bsn in body
    assert candidate.bsn not in body


def test_candidate_list_query_count_does_not_grow_with_rows(
    client, officer, django_assert_max_num_queries
):
    CandidateFactory.create_batch(40, municipality=officer.organisation)
    with django_assert_max_num_queries(12):
        assert client.get("/candidates/").status_code == 200


def test_find_by_bsn_is_a_post_and_redirects_to_an_id_url(client, officer):
    candidate = CandidateFactory(municipality=officer.organisation)
    response = client.post("/candidates/find/", {"bsn": candidate.bsn})
    assert response.status_code == 302
    assert response["Location"] == f"/candidates/{candidate.pk}/"
    assert candidate.bsn not in response["Location"]
    assert client.get(f"/candidates/find/?bsn={candidate.bsn}").status_code == 405


def test_find_by_bsn_names_the_field_for_an_invalid_number(client, officer):
    response = client.post("/candidates/find/", {"bsn": "123456789"})
    assert response.status_code == 400
    assert "11" in response.content.decode()


def test_find_by_bsn_does_not_reveal_other_municipalities_residents(client, officer):
    stranger = CandidateFactory(municipality=OrganisationFactory())
    response = client.post("/candidates/find/", {"bsn": stranger.bsn})
    assert response.status_code == 400
    assert stranger.family_name not in response.content.decode()


def test_find_by_bsn_never_shows_the_typed_number_again(client, officer):
    """The BSN scan found the refused number echoed back into the form's field."""
    stranger = CandidateFactory(municipality=OrganisationFactory())
    dotted = f"{stranger.bsn[:4]}.{stranger.bsn[4:6]}.{stranger.bsn[6:]}"

    for typed in (stranger.bsn, dotted):
        body = client.post("/candidates/find/", {"bsn": typed}).content.decode()
        assert 'name="bsn"' in body
        assert stranger.bsn not in body
        assert dotted not in body


def test_candidate_detail_never_shows_the_full_bsn(client, officer):
    candidate = CandidateFactory(municipality=officer.organisation)
    body = client.get(f"/candidates/{candidate.pk}/").content.decode()
    assert candidate.masked_bsn in body
    assert candidate.bsn not in body


def test_municipal_officer_records_a_step_down(client, officer):
    candidate = CandidateFactory(municipality=officer.organisation)
    component_id = Component.objects.get(code="SPR").pk
    response = client.post(
        f"/candidates/{candidate.pk}/decisions/new/",
        {
            "kind": "step_down",
            "component": component_id,
            "reason": "600 lesson hours",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get(candidate=candidate)
    assert decision.level == "A2"
    assert decision.decided_for == officer.organisation
    assert AuditEvent.objects.filter(
        action="examens.decision.step_down", object_id=str(decision.pk)
    ).exists()


def test_municipal_officer_cannot_choose_an_exemption(client, officer):
    candidate = CandidateFactory(municipality=officer.organisation)
    response = client.post(
        f"/candidates/{candidate.pk}/decisions/new/",
        {
            "kind": "exemption",
            "ground": "medical",
            "reason": "x",
        },
    )
    assert response.status_code == 400
    assert not Decision.objects.exists()


def test_decision_error_is_shown_on_its_field(client):
    membership = MembershipFactory(role=Role.OFFICER, organisation=AgencyFactory())
    login_verified(client, membership.user)
    candidate = CandidateFactory()
    response = client.post(
        f"/candidates/{candidate.pk}/decisions/new/",
        {
            "kind": "accommodation",
            "needs": ["extended_time"],
            "reason": "Dyslexia",
        },
    )
    assert response.status_code == 400
    assert (
        "extra minutes" in response.content.decode().lower()
        or "extra minuten" in response.content.decode().lower()
    )
    assert not Decision.objects.exists()


def test_planner_gets_403_on_decision_form(client):
    membership = MembershipFactory(role=Role.PLANNER)
    login_verified(client, membership.user)
    candidate = CandidateFactory(municipality=membership.organisation)
    assert client.get(f"/candidates/{candidate.pk}/decisions/new/").status_code == 403


def test_healthz_is_public(client):
    assert client.get("/healthz").content == b"ok"


def test_language_switch_to_english_works_without_javascript(client, officer):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert 'lang="en"' in body


# --- API --------------------------------------------------------------------------


def test_catalogue_api_with_scoped_token():
    from rest_framework.test import APIClient

    org = OrganisationFactory()
    _, secret = create_api_token(
        org, actor=UserFactory(is_superuser=True), name="feed", scopes=["catalogue:read"]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/catalogue/components/")
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert {"LEZ", "LUI", "SCH", "SPR", "KNM", "PVT", "MAP"} <= codes


def test_catalogue_api_refuses_token_without_scope():
    from rest_framework.test import APIClient

    _, secret = create_api_token(
        OrganisationFactory(),
        actor=UserFactory(is_superuser=True),
        name="feed",
        scopes=["bookings:write"],
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/catalogue/components/").status_code == 403


def test_catalogue_api_refuses_revoked_and_unknown_tokens():
    from rest_framework.test import APIClient

    from examens.services import revoke_api_token

    actor = UserFactory(is_superuser=True)
    token, secret = create_api_token(
        OrganisationFactory(), actor=actor, name="feed", scopes=["catalogue:read"]
    )
    revoke_api_token(token, actor=actor)
    api = APIClient()
    for value in (secret, "eb_nope_nope"):
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        assert api.get("/api/v1/catalogue/components/").status_code == 401


def test_catalogue_api_for_a_verified_person(client, officer):
    response = client.get("/api/v1/catalogue/routes/")
    assert response.status_code == 200
    b1 = next(r for r in response.json()["results"] if r["code"] == "B1")
    assert {req["component"] for req in b1["requirements"]} == {
        "LEZ",
        "LUI",
        "SCH",
        "SPR",
        "KNM",
        "PVT",
        "MAP",
    }


def test_openapi_schema_is_published(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/catalogue/components/" in response.content


def test_home_and_navigation_link_to_the_apps_of_the_users_roles(client):
    planner = MembershipFactory(role=Role.PLANNER).user
    login_verified(client, planner)
    body = client.get("/").content.decode()
    assert 'href="/planning/"' in body
    assert 'href="/beoordeling/"' not in body

    examiner = MembershipFactory(role=Role.EXAMINER).user
    login_verified(client, examiner)
    body = client.get("/").content.decode()
    assert 'href="/beoordeling/"' in body


def test_pages_are_dutch_whatever_the_browser_language(client, officer):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="nl"' in body
    assert "Kandidaten" in body
