"""Machine-score imports under real concurrency (PostgreSQL, one connection per thread).

An import locks its bookings before it validates them, so a second file for the
same attempt is refused with a clear error, never a unique-index error.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from grading.exceptions import ImportRejected
from grading.models import ImportBatch, Result
from grading.services import import_machine_scores
from tests.conftest import agency_staff, race, require_service
from tests.grading.factories import BookingFactory

pytestmark = pytest.mark.services


def csv_file(rows):
    lines = ["booking_reference,component,raw_score"] + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_files_for_one_attempt_at_once_import_one_and_refuse_the_other_clearly():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    booking = BookingFactory()
    importer = agency_staff()
    importing = threading.Event()

    def first_file():
        with transaction.atomic():  # holds its locks while the second file arrives
            outcome = import_machine_scores(
                csv_file([(booking.reference, "LEZ", 30)]), actor=importer
            )
            importing.set()
            time.sleep(0.5)
        return outcome

    def second_file():
        assert importing.wait(timeout=10)
        return import_machine_scores(csv_file([(booking.reference, "LEZ", 31)]), actor=importer)

    first, second = race([first_file, second_file])

    assert first.created is True
    assert isinstance(second, ImportRejected), second
    assert second.details["errors"][0]["field"] == "booking_reference"
    assert Result.objects.filter(booking=booking).count() == 1
    assert ImportBatch.objects.count() == 1
