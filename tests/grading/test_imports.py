"""import_machine_scores: all-or-nothing, every bad row named, idempotent by file hash."""

import json

import pytest

from examens.models import AuditEvent
from grading.exceptions import ImportRejected
from grading.models import ImportBatch, Result
from grading.services import import_machine_scores
from scheduling.models import Booking
from tests.conftest import agency_staff
from tests.grading.factories import BookingFactory, SessionFactory, rated_booking, version

pytestmark = pytest.mark.django_db


def csv_file(rows):
    lines = ["booking_reference,component,raw_score"] + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def snapshot():
    return (
        Result.objects.count(),
        ImportBatch.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_clean_csv_imports_draft_results_with_one_audit_event():
    bookings = [BookingFactory() for _ in range(3)]
    content = csv_file(
        [(b.reference, "LEZ", raw) for b, raw in zip(bookings, (26, 25, 40), strict=True)]
    )

    outcome = import_machine_scores(content, actor=agency_staff(), filename="lez.csv")

    assert outcome.created is True
    assert outcome.row_count == 3
    results = {r.booking_id: r for r in Result.objects.all()}
    assert results[bookings[0].pk].outcome == Result.Outcome.PASSED
    assert results[bookings[1].pk].outcome == Result.Outcome.FAILED
    assert results[bookings[2].pk].scale_score == 900
    assert all(r.status == Result.Status.DRAFT for r in results.values())
    assert all(r.import_batch == outcome.batch for r in results.values())
    event = AuditEvent.objects.get(action="grading.import.completed")
    assert event.data["rows"] == 3
    assert event.data["passed"] == 2


def test_reimporting_the_same_file_changes_nothing():
    content = csv_file([(BookingFactory().reference, "LEZ", 30)])
    import_machine_scores(content, actor=agency_staff())
    before = snapshot()

    again = import_machine_scores(content, actor=agency_staff())

    assert again.created is False
    assert snapshot() == before


def test_a_bad_file_imports_nothing_and_names_every_bad_row():
    good = BookingFactory()
    sat = BookingFactory()
    no_show = BookingFactory(status=Booking.Status.NO_SHOW)
    speaking = rated_booking()
    knm = BookingFactory(session=SessionFactory(exam_version=version("KNM-2026A")))
    knm2 = BookingFactory(session=knm.session)
    before = snapshot()
    content = csv_file(
        [
            (good.reference, "LEZ", 30),  # line 2: fine
            ("EB-NOPE", "LEZ", 3),  # line 3
            (sat.reference, "LEZ", 41),  # line 4: LEZ-B1 max 40
            (good.reference, "LEZ", 30),  # line 5: duplicate
            (knm.reference, "LEZ", 20),  # line 6: wrong component
            (sat.reference, "LEZ", "x1"),  # line 7: duplicate of line 4 and not a number
            (no_show.reference, "LEZ", 10),  # line 8
            (speaking.reference, "SPR", 10),  # line 9
            (knm2.reference, "KNM", -2),  # line 10
        ]
    )

    with pytest.raises(ImportRejected) as error:
        import_machine_scores(content, actor=agency_staff())

    found = [(e["line"], e["field"], e["code"]) for e in error.value.details["errors"]]
    assert found == [
        (3, "booking_reference", "unknown_booking"),
        (4, "raw_score", "score_above_maximum"),
        (5, "booking_reference", "duplicate_row"),
        (6, "component", "wrong_component"),
        (7, "booking_reference", "duplicate_row"),
        (7, "raw_score", "not_a_number"),
        (8, "booking_reference", "not_sat"),
        (9, "component", "not_machine_scored"),
        (10, "raw_score", "negative_score"),
    ]
    assert error.value.details["error_count"] == 9
    assert snapshot() == before  # the database is as it was


def test_json_import_works_like_csv():
    booking = BookingFactory()
    content = json.dumps(
        [{"booking_reference": booking.reference, "component": "LEZ", "raw_score": 28}]
    ).encode()

    outcome = import_machine_scores(content, actor=agency_staff(), fmt="json")

    assert outcome.row_count == 1
    assert Result.objects.get().raw_score == 28


def test_json_errors_name_the_item_number():
    content = json.dumps(
        [{"booking_reference": "EB-X", "component": "LEZ", "raw_score": True}]
    ).encode()

    with pytest.raises(ImportRejected) as error:
        import_machine_scores(content, actor=agency_staff(), fmt="json")

    codes = {(e["line"], e["code"]) for e in error.value.details["errors"]}
    assert codes == {(1, "not_a_number"), (1, "unknown_booking")}


def test_an_attempt_that_already_has_a_result_is_refused():
    booking = BookingFactory()
    import_machine_scores(csv_file([(booking.reference, "LEZ", 30)]), actor=agency_staff())

    with pytest.raises(ImportRejected) as error:
        import_machine_scores(csv_file([(booking.reference, "LEZ", 31)]), actor=agency_staff())

    assert error.value.details["errors"][0]["code"] == "result_exists"


def test_a_machine_client_sees_only_its_own_centres_bookings():
    booking = BookingFactory()

    with pytest.raises(ImportRejected) as error:
        import_machine_scores(
            csv_file([(booking.reference, "LEZ", 30)]), actor=agency_staff(), organisation_ids={-1}
        )

    assert error.value.details["errors"][0]["code"] == "unknown_booking"


def test_a_header_without_the_required_columns_is_refused():
    with pytest.raises(ImportRejected) as error:
        import_machine_scores(b"reference,score\nEB-1,3\n", actor=agency_staff())

    assert error.value.code == "missing_column"


def test_an_empty_file_is_refused():
    with pytest.raises(ImportRejected) as error:
        import_machine_scores(csv_file([]), actor=agency_staff())

    assert error.value.code == "empty_file"


def test_cutoff_versions_have_no_scale_score():
    booking = BookingFactory(session=SessionFactory(exam_version=version("KNM-2026A")))

    import_machine_scores(csv_file([(booking.reference, "KNM", 26)]), actor=agency_staff())

    result = Result.objects.get()
    assert result.outcome == Result.Outcome.PASSED
    assert result.scale_score is None
