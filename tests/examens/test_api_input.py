"""API input bounds: page sizes, ids out of the database's range, strict query strings,
and every error in one shape that names the field."""

import pytest
from django.test import Client

from examens.api_input import MAX_ID, MAX_PAGE_SIZE
from examens.services import create_api_token
from scheduling.models import Booking
from tests.examens.factories import AgencyFactory, UserFactory
from tests.scheduling.factories import SessionFactory, candidate_for

pytestmark = pytest.mark.django_db

BEYOND_BIGINT = "9223372036854775808"  # 2**63, the probe's limit


@pytest.fixture
def api(client):
    _token, secret = create_api_token(
        AgencyFactory(),
        actor=UserFactory(is_superuser=True),
        name="bounds",
        scopes=["sessions:read", "bookings:write", "results:read", "catalogue:read"],
    )
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def refused(response, field: str, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["field"] == field
    assert body["code"] == "invalid_input"
    assert body["message"].startswith(f"{field}: ")
    assert field in [error["field"] for error in body["details"]["errors"]]
    return body


def test_a_limit_beyond_any_integer_is_a_400_naming_limit(api):
    refused(api.get(f"/api/v1/sessions/?limit={BEYOND_BIGINT}"), "limit")
    refused(api.get(f"/api/v1/catalogue/components/?offset={BEYOND_BIGINT}"), "offset")


def test_a_page_holds_at_most_the_maximum_and_a_larger_limit_is_refused(api):
    for _ in range(3):
        SessionFactory()

    assert len(api.get(f"/api/v1/sessions/?limit={MAX_PAGE_SIZE}").json()["results"]) == 3
    assert len(api.get("/api/v1/sessions/?limit=2").json()["results"]) == 2
    refused(api.get(f"/api/v1/sessions/?limit={MAX_PAGE_SIZE + 1}"), "limit")
    refused(api.get("/api/v1/sessions/?limit=0"), "limit")
    refused(api.get("/api/v1/sessions/?offset=-1"), "offset")


@pytest.mark.parametrize(
    "query",
    ["limit=null", "limit=", "limit=1&limit=2", "limit=1_0", "offset=1e3", "offset=%D9%A1"],
)
def test_a_page_parameter_that_is_not_one_plain_number_is_refused(api, query):
    refused(api.get(f"/api/v1/results/?{query}"), query.split("=")[0])


@pytest.mark.parametrize("value", ["\u00b2", "0", "-1", BEYOND_BIGINT, ""])
def test_a_candidate_filter_outside_the_id_range_is_a_400(api, value):
    refused(api.get(f"/api/v1/results/?candidate={value}"), "candidate")


def test_availability_refuses_an_empty_or_repeated_filter_instead_of_ignoring_it(api):
    refused(api.get("/api/v1/availability/?region="), "region")
    refused(api.get("/api/v1/availability/?level=B1&level=A2"), "level")
    refused(api.get("/api/v1/availability/?accommodation=none"), "accommodation")
    assert api.get("/api/v1/availability/?accommodation=extended_time").status_code == 200


@pytest.mark.parametrize("field", ["session", "candidate"])
@pytest.mark.parametrize("value", [int(BEYOND_BIGINT), 99999999999999999999, 0, True, "1 "])
def test_a_booking_for_an_id_out_of_range_is_a_400_naming_it_and_writes_nothing(api, field, value):
    session = SessionFactory()
    body = {"session": session.pk, "candidate": candidate_for(session).pk, field: value}

    refused(api.post("/api/v1/bookings/", body, content_type="application/json"), field)
    assert not Booking.objects.exists()


def test_a_booking_without_its_fields_names_each_of_them(api):
    body = refused(api.post("/api/v1/bookings/", {}, content_type="application/json"), "session")

    assert [(e["field"], e["code"]) for e in body["details"]["errors"]] == [
        ("session", "required"),
        ("candidate", "required"),
    ]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/results/{BEYOND_BIGINT}/",
        f"/api/v1/results/{MAX_ID}0/",
        "/api/v1/sessions/0/seats/",
        "/api/v1/sessions/-1/seats/",
        "/api/v1/catalogue/exam-versions/null/",
        "/api/v1/catalogue/components/%00/",
        "/api/v1/bookings/EB%00X/",
        "/api/v1/no-such-thing/",
    ],
)
def test_a_path_outside_every_api_route_is_a_json_404(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_an_id_in_range_that_exists_nowhere_is_the_views_json_404(api):
    response = api.get(f"/api/v1/sessions/{MAX_ID}/seats/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_page_outside_the_api_keeps_the_sites_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_authentication_and_scope_errors_have_the_same_shape(api):
    missing = Client().get("/api/v1/sessions/")
    unknown = Client().get("/api/v1/sessions/", HTTP_AUTHORIZATION="Bearer eb_nope")
    no_scope = api.post("/api/v1/results/imports/", b"", content_type="text/csv")

    assert (missing.status_code, missing.json()["code"]) == (401, "not_authenticated")
    assert missing["WWW-Authenticate"] == "Bearer"
    assert (unknown.status_code, unknown.json()["code"]) == (401, "authentication_failed")
    assert (no_scope.status_code, no_scope.json()["code"]) == (403, "permission_denied")
