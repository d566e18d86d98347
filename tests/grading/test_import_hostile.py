"""The result import API under hostile bodies: a domain error naming line, field and code,
or the limit that was passed; never a 500, never a partial write.

Each case is a body a probe sent (or a neighbour of one); the answer is checked
through the real endpoint, with the database compared before and after.
"""

import io
import json

import pytest

from examens.models import AuditEvent
from examens.services import create_api_token
from grading.api import RawCsvParser
from grading.exceptions import ImportTooLarge
from grading.models import ImportBatch, Result
from tests.examens.factories import AgencyFactory, UserFactory
from tests.grading.factories import BookingFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/results/imports/"
HEADER = "booking_reference,component,raw_score"
CSV = "text/csv"
JSON = "application/json"


@pytest.fixture
def auth():
    _token, secret = create_api_token(
        AgencyFactory(),
        actor=UserFactory(is_superuser=True),
        name="feed",
        scopes=["results:write"],
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def booking():
    return BookingFactory()


def snapshot():
    return Result.objects.count(), ImportBatch.objects.count(), AuditEvent.objects.count()


def post(client, auth, body, content_type):
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    before = snapshot()
    response = client.post(IMPORT_URL, body, content_type=content_type, **auth)
    if response.status_code >= 400:
        assert snapshot() == before, "a refused import wrote something"
    return response


def errors_of(response):
    body = response.json()
    assert set(body) >= {"code", "message", "details"}
    return [(e["line"], e["field"], e["code"]) for e in body["details"]["errors"]]


# --- CSV --------------------------------------------------------------------------------

CSV_CASES = {
    "a field over the csv module's limit (131,072)": (
        f"{HEADER}\nEB-1,LEZ,30\n{'A' * 131_073},LEZ,30\n",
        [(3, "", "field_too_long")],
    ),
    "an over-long field in a column nobody reads": (
        f"{HEADER},note\nEB-1,LEZ,30,{'x' * 200_000}\n",
        [(2, "", "field_too_long")],
    ),
    "a quote left open to the end": (
        f'{HEADER}\nEB-1,LEZ,30\n"EB-2,LEZ,30\nEB-3,LEZ,30\n',
        [(3, "", "invalid_csv")],
    ),
    "text after a closing quote": (f'{HEADER}\n"EB-1"x,LEZ,30\n', [(2, "", "invalid_csv")]),
    "a NUL byte in a field": (
        f"{HEADER}\nEB-\x001,LEZ,30\n",
        [(2, "booking_reference", "invalid_text")],
    ),
    "a line break inside a quoted field": (
        f'{HEADER}\n"EB-\n1",LEZ,30\n',
        [(2, "booking_reference", "invalid_text")],
    ),
    "a tab inside the component": (
        f'{HEADER}\nEB-1,"L\tEZ",30\n',
        [(2, "booking_reference", "unknown_booking"), (2, "component", "invalid_text")],
    ),
    "a 5,000-digit raw score": (
        f"{HEADER}\nEB-1,LEZ,{'9' * 5000}\n",
        [(2, "booking_reference", "unknown_booking"), (2, "raw_score", "number_too_large")],
    ),
    "a raw score in Arabic-Indic digits": (
        f"{HEADER}\nEB-1,LEZ,\u0663\u0660\n",
        [(2, "booking_reference", "unknown_booking"), (2, "raw_score", "not_a_number")],
    ),
    "a raw score with an underscore": (
        f"{HEADER}\nEB-1,LEZ,3_0\n",
        [(2, "booking_reference", "unknown_booking"), (2, "raw_score", "not_a_number")],
    ),
    "a reference longer than the register holds": (
        f"{HEADER}\n{'E' * 21},LEZ,30\n",
        [(2, "booking_reference", "too_long")],
    ),
    "a component longer than the register holds": (
        f"{HEADER}\nEB-1,{'L' * 11},30\n",
        [(2, "booking_reference", "unknown_booking"), (2, "component", "too_long")],
    ),
    "only a header": (f"{HEADER}\n", [(0, "", "empty_file")]),
}


@pytest.mark.parametrize("case", CSV_CASES)
def test_a_hostile_csv_gets_its_domain_error_and_writes_nothing(client, auth, case):
    body, expected = CSV_CASES[case]

    response = post(client, auth, body, CSV)

    assert response.status_code == 400
    assert errors_of(response) == expected


@pytest.mark.parametrize(
    ("content_type", "code"), [(CSV, "missing_column"), (JSON, "invalid_json")]
)
def test_an_empty_body_is_refused(client, auth, content_type, code):
    before = snapshot()

    response = client.generic("POST", IMPORT_URL, b"", CONTENT_TYPE=content_type, **auth)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert snapshot() == before


def test_invalid_utf8_names_the_line_of_the_bad_byte(client, auth):
    body = f"{HEADER}\nEB-1,LEZ,30\n".encode() + b"EB-\xff,LEZ,30\n"

    response = post(client, auth, body, CSV)

    assert response.status_code == 400
    assert errors_of(response) == [(3, "", "not_utf8")]


def test_a_utf16_file_is_not_utf8(client, auth):
    response = post(client, auth, f"{HEADER}\nEB-1,LEZ,30\n".encode("utf-16"), CSV)

    assert response.status_code == 400
    assert response.json()["code"] == "not_utf8"


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_every_line_ending_imports(client, auth, ending):
    bookings = [BookingFactory(), BookingFactory()]
    lines = [HEADER] + [f"{b.reference},LEZ,30" for b in bookings]

    response = post(client, auth, ending.join(lines) + ending, CSV)

    assert response.status_code == 201
    assert response.json()["row_count"] == 2


# --- JSON -------------------------------------------------------------------------------


def item(**fields):
    return {"booking_reference": "EB-1", "component": "LEZ", "raw_score": 30, **fields}


JSON_CASES = {
    "a 5,000-digit integer": (
        '[{"booking_reference": "EB-1", "component": "LEZ", "raw_score": ' + "9" * 5000 + "}]",
        [(1, "booking_reference", "unknown_booking"), (1, "raw_score", "number_too_large")],
    ),
    "a 5,000-digit negative integer in a field nobody reads": (
        '[{"booking_reference": "EB-1", "component": "LEZ", "raw_score": 3, "n": -'
        + "9" * 5000
        + "}]",
        [(1, "booking_reference", "unknown_booking")],
    ),
    "a 5,000-digit integer as the whole file": ("9" * 5000, [(0, "", "invalid_json")]),
    "nesting 100,000 deep": ("[" * 100_000 + "]" * 100_000, [(0, "", "too_deep")]),
    "nesting 100,000 deep, never closed": ("[" * 100_000, [(0, "", "too_deep")]),
    "nesting inside a row": (
        '[{"booking_reference": "EB-1", "component": "LEZ", "raw_score": '
        + "[" * 200
        + "]" * 200
        + "}]",
        [(1, "booking_reference", "unknown_booking"), (1, "raw_score", "not_a_number")],
    ),
    "a lone surrogate in the reference": (
        json.dumps([item(booking_reference="EB-\ud800")]),
        [(1, "booking_reference", "invalid_text")],
    ),
    "a lone surrogate in the component": (
        json.dumps([item(component="\udfff")]),
        [(1, "booking_reference", "unknown_booking"), (1, "component", "invalid_text")],
    ),
    "a lone surrogate as a key": (
        json.dumps([{"\ud800": 1}]),
        [(1, "booking_reference", "missing_field"), (1, "raw_score", "not_a_number")],
    ),
    "raw UTF-8 of a surrogate": ('[{"booking_reference": "\ud800"}]', [(1, "", "not_utf8")]),
    "an escaped NUL in the reference": (
        json.dumps([item(booking_reference="EB-\u0000")]),
        [(1, "booking_reference", "invalid_text")],
    ),
    "NaN": (
        '[{"booking_reference": "EB-1", "component": "LEZ", "raw_score": NaN}]',
        [(1, "booking_reference", "unknown_booking"), (1, "raw_score", "not_a_number")],
    ),
    "Infinity": (
        '[{"booking_reference": "EB-1", "component": "LEZ", "raw_score": -Infinity}]',
        [(1, "booking_reference", "unknown_booking"), (1, "raw_score", "not_a_number")],
    ),
    "1e400": (
        '[{"booking_reference": "EB-1", "component": "LEZ", "raw_score": 1e400}]',
        [(1, "booking_reference", "unknown_booking"), (1, "raw_score", "not_a_number")],
    ),
    "a float": (
        json.dumps([item(raw_score=30.0)]),
        [(1, "booking_reference", "unknown_booking"), (1, "raw_score", "not_a_number")],
    ),
    "a reference that is a number": (
        json.dumps([item(booking_reference=12345)]),
        [(1, "booking_reference", "not_text")],
    ),
    "a reference that is an object": (
        json.dumps([item(booking_reference={"$gt": ""})]),
        [(1, "booking_reference", "not_text")],
    ),
    "items that are not objects": (
        json.dumps([None, [], "EB-1", 7]),
        [(n, "", "not_an_object") for n in (1, 2, 3, 4)],
    ),
    "an object instead of a list": (json.dumps(item()), [(0, "", "invalid_json")]),
    "a cut-off file": ('[{"booking_reference": "EB-1",\n "comp', [(2, "", "invalid_json")]),
}


@pytest.mark.parametrize("case", JSON_CASES)
def test_a_hostile_json_gets_its_domain_error_and_writes_nothing(client, auth, case):
    body, expected = JSON_CASES[case]

    response = post(client, auth, body, JSON)

    assert response.status_code == 400
    assert errors_of(response) == expected


# --- limits -----------------------------------------------------------------------------


def test_a_body_over_the_byte_limit_is_refused_with_the_setting_named(client, auth, settings):
    settings.RESULT_IMPORT_MAX_BYTES = 1000
    body = f"{HEADER}\n" + "EB-1,LEZ,30\n" * 100

    response = post(client, auth, body, CSV)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert response.json()["details"] == {"limit": "RESULT_IMPORT_MAX_BYTES", "maximum": 1000}
    assert "RESULT_IMPORT_MAX_BYTES" in response.json()["message"]


def test_a_body_without_a_declared_length_is_read_only_up_to_the_limit(settings):
    settings.RESULT_IMPORT_MAX_BYTES = 1000
    stream = io.BytesIO(b"x" * 10_000)

    with pytest.raises(ImportTooLarge):
        RawCsvParser().parse(stream, CSV, {})

    assert stream.tell() == 1001


def test_a_30_megabyte_csv_is_refused_by_the_default_limit(client, auth):
    row = "EB-00000000,LEZ,30\n"
    body = (HEADER + "\n" + row * (31_000_000 // len(row))).encode()

    response = post(client, auth, body, CSV)

    assert response.status_code == 413
    assert response.json()["details"]["limit"] == "RESULT_IMPORT_MAX_BYTES"


@pytest.mark.parametrize("content_type", [CSV, JSON])
def test_rows_over_the_row_limit_are_refused_with_the_setting_named(
    client, auth, settings, content_type
):
    settings.RESULT_IMPORT_MAX_ROWS = 3
    bookings = [BookingFactory() for _ in range(4)]
    if content_type == CSV:
        body = HEADER + "\n" + "".join(f"{b.reference},LEZ,30\n" for b in bookings)
    else:
        body = json.dumps([item(booking_reference=b.reference) for b in bookings])

    response = post(client, auth, body, content_type)

    assert response.status_code == 413
    assert response.json()["code"] == "too_many_rows"
    assert response.json()["details"] == {"limit": "RESULT_IMPORT_MAX_ROWS", "maximum": 3}


def test_a_file_at_the_row_limit_imports(client, auth, settings):
    settings.RESULT_IMPORT_MAX_ROWS = 3
    bookings = [BookingFactory() for _ in range(3)]
    body = HEADER + "\n" + "".join(f"{b.reference},LEZ,30\n" for b in bookings)

    response = post(client, auth, body, CSV)

    assert response.status_code == 201
    assert Result.objects.count() == 3


def test_one_hostile_row_among_good_ones_writes_nothing(client, auth):
    good = [BookingFactory() for _ in range(3)]
    body = json.dumps(
        [item(booking_reference=b.reference) for b in good] + [item(booking_reference="EB-\ud800")]
    )

    response = post(client, auth, body, JSON)

    assert response.status_code == 400
    assert errors_of(response) == [(4, "booking_reference", "invalid_text")]
    assert not Result.objects.exists()


def test_a_control_character_in_the_file_name_is_dropped(client, auth, booking):
    response = client.post(
        IMPORT_URL,
        f"{HEADER}\n{booking.reference},LEZ,30\n".encode(),
        content_type=CSV,
        HTTP_X_FILENAME="lez\x1b[31m.csv",
        **auth,
    )

    assert response.status_code == 201
    assert ImportBatch.objects.get().filename == "lez[31m.csv"
