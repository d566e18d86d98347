"""What must hold after bench/load.py, whatever the load did: read from the database.

Returns the broken invariants (empty: all hold) and the facts they were checked on.
"""

from __future__ import annotations

import datetime


def _audited(action: str) -> set[str]:
    from examens.models import AuditEvent

    return set(AuditEvent.objects.filter(action=action).values_list("object_id", flat=True))


def _unaudited(pks, action: str) -> list[str]:
    return sorted(str(pk) for pk in set(map(str, pks)) - _audited(action))


def _seats(failures: list[str], facts: list[str], since: datetime.datetime) -> None:
    from django.db.models import Count, Q

    from scheduling.models import Booking, ExamSession

    sessions = ExamSession.objects.annotate(
        holding=Count("bookings", filter=Q(bookings__status__in=Booking.OPEN_STATUSES))
    ).values_list("pk", "capacity", "booked_count", "holding")
    wrong = [pk for pk, capacity, booked, holding in sessions if not holding == booked <= capacity]
    made = Booking.objects.filter(created_at__gte=since).count()
    facts.append(f"{len(sessions)} sessions, {made} bookings made during the run")
    if wrong:
        failures.append(f"{len(wrong)} sessions overbooked or miscounted, e.g. {wrong[:5]}")


def _audit(failures: list[str], facts: list[str], since: datetime.datetime) -> None:
    from certificates.models import Certificate
    from examens.audit import verify_chain
    from grading.models import ImportBatch, Result
    from scheduling.models import Booking

    checked, broken = verify_chain()
    facts.append(f"audit: {checked} events walked")
    if broken is not None:
        failures.append(f"audit chain broken at event {broken.event_id}: {broken.reason}")
    released = Result.objects.filter(status=Result.Status.RELEASED, released_at__gte=since)
    stored = Certificate.objects.exclude(stored_at=None)
    for what, pks, action in (
        ("booking", Booking.objects.filter(created_at__gte=since), "scheduling.booking.created"),
        ("import", ImportBatch.objects.all(), "grading.import.completed"),
        ("release", released, "grading.result.released"),
        ("certificate", Certificate.objects.all(), "certificates.certificate.issued"),
        ("stored PDF", stored, "certificates.certificate.stored"),
    ):
        missing = _unaudited(pks.values_list("pk", flat=True), action)
        if missing:
            failures.append(f"{len(missing)} {what}(s) without {action}, e.g. {missing[:5]}")


def _imports(failures: list[str], facts: list[str]) -> None:
    from django.db.models import Count

    from grading.models import ImportBatch

    batches = ImportBatch.objects.annotate(rows=Count("results")).values_list(
        "pk", "row_count", "rows"
    )
    partial = [pk for pk, expected, rows in batches if expected != rows]
    facts.append(f"{len(batches)} result imports")
    if partial:
        failures.append(f"{len(partial)} imports whose rows do not match, e.g. {partial[:5]}")


def _certificates(failures: list[str], facts: list[str], held_session_ids: set[int]) -> None:
    from django.core.files.storage import default_storage

    from certificates.models import Certificate
    from certificates.selectors import verify_online
    from certificates.verification import Outcome
    from grading.models import Result

    certificates = list(Certificate.objects.all())
    unstored, not_pdf, invalid = [], [], []
    for certificate in certificates:
        if certificate.stored_at is None or not default_storage.exists(certificate.storage_key):
            unstored.append(certificate.serial)
            continue
        with default_storage.open(certificate.storage_key, "rb") as handle:
            if handle.read(5) != b"%PDF-":
                not_pdf.append(certificate.serial)
        result, _certificate_id = verify_online(certificate.payload)
        if result.outcome != Outcome.VALID:
            invalid.append(f"{certificate.serial}: {result.outcome}")
    completed = set(
        Result.objects.filter(
            booking__session_id__in=held_session_ids,
            status=Result.Status.RELEASED,
            is_current=True,
            outcome=Result.Outcome.PASSED,
        ).values_list("candidate_id", flat=True)
    )
    holders = set(
        Certificate.objects.exclude(status=Certificate.Status.REVOKED).values_list(
            "candidate_id", flat=True
        )
    )
    lost = completed - holders
    facts.append(
        f"{len(certificates)} certificates ({len(completed)} routes completed during the run)"
    )
    for count, what in (
        (unstored, "certificates without their stored PDF"),
        (not_pdf, "stored files that are no PDF"),
        (invalid, "certificates that do not verify as valid"),
        (sorted(lost), "completed routes without a certificate (candidates)"),
    ):
        if count:
            failures.append(f"{len(count)} {what}, e.g. {count[:5]}")


def check_invariants(
    *, held_session_ids: set[int], since: datetime.datetime
) -> tuple[list[str], list[str]]:
    failures: list[str] = []
    facts: list[str] = []
    _seats(failures, facts, since)
    _audit(failures, facts, since)
    _imports(failures, facts)
    _certificates(failures, facts, held_session_ids)
    return failures, facts
