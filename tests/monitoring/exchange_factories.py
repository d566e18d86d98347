"""What the exchange API tests share: a token's header, a released result, a cursor walk."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from examens.services import create_api_token
from grading.services import release_result
from grading.services.results import create_scored_draft
from tests.conftest import agency_staff, fresh_factor
from tests.examens.factories import UserFactory
from tests.grading.factories import BookingFactory

PROGRESS = "/api/v1/exchange/progress/"
RESULTS = "/api/v1/exchange/results/"
CERTIFICATES = "/api/v1/exchange/certificates/"


def auth_for(organisation, scopes) -> dict[str, str]:
    """The Authorization header of a new token of `organisation` with `scopes`."""
    _token, secret = create_api_token(
        organisation, actor=UserFactory(is_superuser=True), name="zaaksysteem", scopes=scopes
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def released_result_for(candidate):
    staff = fresh_factor(agency_staff())
    with transaction.atomic():
        draft = create_scored_draft(
            BookingFactory(candidate=candidate), actor=staff, raw=30, source="t"
        )
    return release_result(draft, actor=staff)


def walk(client, url: str, auth: dict, *, between: Callable[[], object] | None = None) -> list:
    """Every row of every page from `url` by following `next`; `between` runs after
    each page (to add rows while the client pages)."""
    seen: list = []
    while url:
        response = client.get(url, **auth)
        assert response.status_code == 200, response.content
        page = response.json()
        seen += [row["id"] for row in page["results"]]
        if between is not None:
            between()
        url = page["next"]
    return seen


def queries_of_a_page(client, url: str, auth: dict) -> int:
    """The queries one page takes (after a first call, which may stamp the token's use)."""
    assert client.get(url, **auth).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **auth)
    assert response.status_code == 200
    return len(queries)
