"""Import of machine scores (reading, listening, KNM) from the central delivery: CSV or JSON.

All-or-nothing: every row is checked first and every error collected (line,
field, code); one bad row and nothing is written. Idempotent: the file's
SHA-256 is recorded (ImportBatch), and the same file again changes nothing.
Fast: bookings are fetched by reference in chunks, results are bulk-created,
one audit event per file. No row locks on 100,000 bookings: the database's
"one current result per booking" constraint refuses a racing duplicate, and
the whole file then rolls back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from examens import authz
from examens.audit import Actor, record_event
from examens.models import Component, ExamVersion, User
from scheduling.models import Booking

from .. import permissions, scoring
from ..exceptions import ImportRejected, ScoringError
from ..models import ImportBatch, Result
from ..score_file import Limits, Row, check_size, parse_rows, rejected, row_error

CHUNK = 5000
BATCH_SIZE = 2000
MAX_ERRORS_REPORTED = 1000


@dataclass(frozen=True)
class ImportOutcome:
    batch: ImportBatch
    created: bool  # False: the same file was imported before and nothing changed
    row_count: int


def import_limits() -> Limits:
    """The configured size limits of one file (settings RESULT_IMPORT_MAX_BYTES / _ROWS)."""
    return Limits(
        max_bytes=settings.RESULT_IMPORT_MAX_BYTES, max_rows=settings.RESULT_IMPORT_MAX_ROWS
    )


def _validate(
    rows: list[Row], *, organisation_ids: set[int] | None
) -> tuple[list[Result], list[dict]]:
    errors: list[dict] = []
    components = {
        pk: (code, assessment)
        for pk, code, assessment in Component.objects.values_list("pk", "code", "assessment")
    }
    seen: dict[str, int] = {}
    for row in rows:
        if row.reference in seen and row.reference:
            errors.append(
                row_error(
                    row.line,
                    "booking_reference",
                    "duplicate_row",
                    _("Booking %(ref)s already appears on line %(line)d.")
                    % {"ref": row.reference, "line": seen[row.reference]},
                )
            )
        else:
            seen.setdefault(row.reference, row.line)
    references = [ref for ref in seen if ref]
    bookings: dict[str, tuple] = {}
    for start in range(0, len(references), CHUNK):
        for values in Booking.objects.filter(
            reference__in=references[start : start + CHUNK]
        ).values_list(
            "reference",
            "pk",
            "candidate_id",
            "component_id",
            "level",
            "status",
            "session__exam_version_id",
            "session__starts_at",
            "session__centre__organisation_id",
        ):
            bookings[values[0]] = values
    booking_ids = [values[1] for values in bookings.values()]
    with_result: set[int] = set()
    for start in range(0, len(booking_ids), CHUNK):
        with_result.update(
            Result.objects.filter(
                booking_id__in=booking_ids[start : start + CHUNK], is_current=True
            ).values_list("booking_id", flat=True)
        )
    versions = {
        version.pk: version
        for version in ExamVersion.objects.filter(
            pk__in={values[6] for values in bookings.values()}
        )
    }
    converters = {
        pk: scoring.make_converter(
            max_raw=v.max_raw_score,
            cutoff_raw=v.cutoff_raw,
            conversion_table=v.conversion_table,
            pass_scale_score=v.pass_scale_score,
        )
        for pk, v in versions.items()
    }
    dates: dict = {}
    results: list[Result] = []
    duplicates = {e["line"] for e in errors}
    for row in rows:
        if row.line in duplicates or not row.reference:
            continue
        found = bookings.get(row.reference)
        if found is None or (organisation_ids is not None and found[8] not in organisation_ids):
            errors.append(
                row_error(
                    row.line,
                    "booking_reference",
                    "unknown_booking",
                    _("No booking %(ref)s.") % {"ref": row.reference},
                )
            )
            continue
        _ref, booking_id, candidate_id, component_id, level, status, version_id, starts_at, _org = (
            found
        )
        code, assessment = components[component_id]
        if row.component != code:
            errors.append(
                row_error(
                    row.line,
                    "component",
                    "wrong_component",
                    _("Booking %(ref)s is for %(code)s.") % {"ref": row.reference, "code": code},
                )
            )
            continue
        if assessment != Component.Assessment.MACHINE_SCORED:
            errors.append(
                row_error(
                    row.line,
                    "component",
                    "not_machine_scored",
                    _("%(code)s is not machine-scored.") % {"code": code},
                )
            )
            continue
        if status != Booking.Status.CHECKED_IN:
            errors.append(
                row_error(
                    row.line,
                    "booking_reference",
                    "not_sat",
                    _("The candidate did not sit this exam (booking %(status)s).")
                    % {"status": status},
                )
            )
            continue
        if booking_id in with_result:
            errors.append(
                row_error(
                    row.line,
                    "booking_reference",
                    "result_exists",
                    _("This attempt already has a result; correct it instead."),
                )
            )
            continue
        if row.raw is None or row.raw < 0:
            continue
        try:
            computed = converters[version_id](row.raw)
        except ScoringError as error:
            errors.append(row_error(row.line, "raw_score", error.code, str(error.message)))
            continue
        day = dates.get(starts_at)
        if day is None:
            day = dates[starts_at] = timezone.localdate(starts_at)
        results.append(
            Result(
                candidate_id=candidate_id,
                component_id=component_id,
                level=level,
                booking_id=booking_id,
                exam_version_id=version_id,
                outcome=Result.Outcome.PASSED if computed.passed else Result.Outcome.FAILED,
                raw_score=computed.raw,
                scale_score=computed.scale,
                sat_on=day,
            )
        )
    errors.sort(key=lambda e: (e["line"], e["field"]))
    return results, errors


def _lock_bookings(references: set[str]) -> None:
    """Lock the file's bookings in primary-key order before validating them: a result
    recorded meanwhile (another import, a rating) is then seen, never a unique-index
    error at the insert."""
    refs = sorted(references)
    ids = sorted(
        pk
        for start in range(0, len(refs), CHUNK)
        for pk in Booking.objects.filter(reference__in=refs[start : start + CHUNK]).values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(ids), CHUNK):
        list(
            Booking.objects.select_for_update(of=("self",))
            .filter(pk__in=ids[start : start + CHUNK])
            .order_by("pk")
            .values_list("pk", flat=True)
        )


@transaction.atomic
def import_machine_scores(
    content: bytes,
    *,
    actor: Actor,
    fmt: str = "csv",
    filename: str = "",
    organisation_ids: set[int] | None = None,
) -> ImportOutcome:
    """Import machine-scored raw scores as draft results, all or nothing.

    Rules: columns booking_reference, component, raw_score; each booking
    exists (within `organisation_ids` when given: a machine client sees only
    its own centres' bookings, others are "unknown"), is for the named
    component, a machine-scored one, and was sat; the score is a whole
    number within 0..the version's maximum; a booking appears once per file
    and has no result yet. Scale score and pass/fail follow the version's
    table or cut-off. Idempotent by SHA-256. Raises ImportRejected with
    details["errors"]: every bad row (line, field, code, message), or the
    one reason the file cannot be read at all (grading.score_file: not UTF-8,
    not CSV/JSON, a field or number too long, nested too deeply); raises
    ImportTooLarge (413) over RESULT_IMPORT_MAX_BYTES or RESULT_IMPORT_MAX_ROWS,
    before the file is hashed or parsed.
    Side effects: one ImportBatch, the draft results, one audit event.
    The file's bookings are locked (primary-key order) before they are read.
    """
    authz.require(permissions.can_import(actor, organisation_ids))
    limits = import_limits()
    check_size(len(content), limits)
    digest = hashlib.sha256(content).hexdigest()
    filename = "".join(ch for ch in filename if ch.isprintable())[:200]
    existing = ImportBatch.objects.filter(sha256=digest).first()
    if existing is not None:
        return ImportOutcome(batch=existing, created=False, row_count=existing.row_count)
    rows, errors = parse_rows(content, fmt=fmt, limits=limits)
    _lock_bookings({row.reference for row in rows if row.reference})
    results, more = _validate(rows, organisation_ids=organisation_ids)
    errors = sorted(errors + more, key=lambda e: (e["line"], e["field"]))
    if errors:
        raise ImportRejected(
            ngettext(
                "The file was not imported: %(count)d error.",
                "The file was not imported: %(count)d errors.",
                len(errors),
            )
            % {"count": len(errors)},
            details={"error_count": len(errors), "errors": errors[:MAX_ERRORS_REPORTED]},
        )
    if not results:
        raise rejected(_("The file holds no rows."), code="empty_file")
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                sha256=digest,
                filename=filename,
                row_count=len(results),
                imported_by=actor if isinstance(actor, User) else None,
            )
    except IntegrityError:
        # The same file won a race a moment ago: it is imported, nothing to do.
        batch = ImportBatch.objects.get(sha256=digest)
        return ImportOutcome(batch=batch, created=False, row_count=batch.row_count)
    for result in results:
        result.import_batch = batch
    Result.objects.bulk_create(results, batch_size=BATCH_SIZE)
    passed = sum(1 for r in results if r.outcome == Result.Outcome.PASSED)
    record_event(
        actor,
        "grading.import.completed",
        batch,
        data={
            "sha256": digest,
            "filename": filename,
            "format": fmt,
            "rows": len(results),
            "passed": passed,
            "failed": len(results) - passed,
        },
    )
    return ImportOutcome(batch=batch, created=True, row_count=len(results))
