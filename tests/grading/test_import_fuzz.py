"""Property tests of the result import: any bytes give rows with errors or one domain error.

Deterministic (derandomize) and bounded, so the suite stays fast and a failure
reproduces. The parser is fuzzed alone with many examples; the whole endpoint
with fewer, each checked for its answer and for nothing written.
"""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examens.models import AuditEvent
from examens.services import create_api_token
from grading.exceptions import ImportRejected
from grading.models import ImportBatch, Result
from grading.score_file import COLUMNS, Limits, parse_rows
from tests.examens.factories import AgencyFactory, UserFactory
from tests.grading.factories import BookingFactory

LIMITS = Limits(max_bytes=20_000, max_rows=50)
FUZZ = settings(derandomize=True, deadline=None, max_examples=200, database=None)
ENDPOINT_FUZZ = settings(
    derandomize=True,
    deadline=None,
    max_examples=100,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces a hostile file is made of: the column names, near-misses, separators,
# quotes, line ends, control characters, lone surrogates, huge and odd numbers.
fragments = st.one_of(
    st.sampled_from(
        [
            *COLUMNS,
            ",",
            '"',
            '""',
            "\r",
            "\n",
            "\r\n",
            "\x00",
            "\t",
            "\ufeff",
            "\ud800",
            "\udfff",
            "LEZ",
            "EB-1",
            "-1",
            "1e400",
            "NaN",
            "9" * 5000,
            "[" * 2000,
            "{",
            "}",
            "]",
            ":",
            "\u0663",
        ]
    ),
    st.text(max_size=8),
    st.integers().map(str),
)
hostile_text = st.lists(fragments, max_size=40).map("".join)
hostile_bytes = st.one_of(
    st.binary(max_size=300),
    hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    hostile_text.map(lambda t: t.encode("utf-8", "replace")),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["EB-1", "LEZ", "\ud800", "\x00", "30", "-3", "9" * 40]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)
rows = st.dictionaries(st.sampled_from([*COLUMNS, "note", "\ud800"]), json_values, max_size=5)
json_bodies = st.lists(st.one_of(rows, json_values), max_size=8).map(
    lambda data: json.dumps(data).encode()
)


def read(content: bytes, fmt: str):
    """Rows with their errors, or the one domain error; anything else fails the test."""
    try:
        found, errors = parse_rows(content, fmt=fmt, limits=LIMITS)
    except ImportRejected as error:
        refusal = error.as_dict()
    else:
        refusal = None
    if refusal is not None:
        assert refusal["code"]
        assert refusal["message"]
        json.dumps(refusal, ensure_ascii=False).encode("utf-8")  # the API can send it
        return None
    for error in errors:
        assert set(error) == {"line", "field", "code", "message"}
        assert error["line"] >= 1
    for row in found:
        # Whatever reaches the database is text it can hold, of the length it holds.
        row.reference.encode("utf-8")
        row.component.encode("utf-8")
        assert "\x00" not in row.reference + row.component
        assert len(row.reference) <= 20
        assert row.raw is None or 0 <= row.raw < 10**9
    return found, errors


@FUZZ
@given(content=hostile_bytes, fmt=st.sampled_from(["csv", "json"]))
def test_any_bytes_read_as_rows_or_a_domain_error(content, fmt):
    read(content, fmt)


@FUZZ
@given(content=json_bodies)
def test_any_json_document_reads_as_rows_or_a_domain_error(content):
    read(content, "json")


@FUZZ
@given(
    cells=st.lists(st.lists(hostile_text, min_size=0, max_size=5), max_size=10),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_csv_under_a_valid_header_reads_as_rows_or_a_domain_error(cells, ending):
    lines = [",".join(COLUMNS)] + [",".join(row) for row in cells]
    read(ending.join(lines).encode("utf-8", "surrogatepass"), "csv")


@pytest.fixture
def feed(db):
    """A results:write token and one booking that the bodies name as `EB-1`.

    Shared by every example of a test (the health check for function-scoped
    fixtures is suppressed on purpose): examples only ever add whole files.
    """
    _token, secret = create_api_token(
        AgencyFactory(), actor=UserFactory(is_superuser=True), name="f", scopes=["results:write"]
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}, BookingFactory().reference.encode()


def counts():
    return Result.objects.count(), ImportBatch.objects.count(), AuditEvent.objects.count()


@ENDPOINT_FUZZ
@given(
    content=st.one_of(hostile_bytes, json_bodies),
    content_type=st.sampled_from(["text/csv", "application/json"]),
)
def test_the_import_endpoint_answers_every_body_and_writes_only_a_whole_file(
    feed, content, content_type
):
    auth, reference = feed
    before = counts()

    response = Client().post(
        "/api/v1/results/imports/",
        content.replace(b"EB-1", reference),
        content_type=content_type,
        **auth,
    )

    assert response.status_code in (200, 201, 400, 413), response.content[:300]
    body = response.json()
    after = counts()
    if response.status_code == 201:
        assert after[:2] == (before[0] + body["row_count"], before[1] + 1)
    else:
        assert body["code"]
        assert after == before
