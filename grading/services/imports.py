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

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.models import Component, ExamVersion, User
from scheduling.models import Booking

from .. import permissions, scoring
from ..exceptions import ImportRejected, ScoringError
from ..models import ImportBatch, Result

COLUMNS = ("booking_reference", "component", "raw_score")
CHUNK = 5000
BATCH_SIZE = 2000
MAX_ERRORS_REPORTED = 1000


@dataclass(frozen=True)
class ImportOutcome:
    batch: ImportBatch
    created: bool  # False: the same file was imported before and nothing changed
    row_count: int


@dataclass
class _Row:
    line: int
    reference: str
    component: str
    raw: int | None


def _error(line: int, field: str, code: str, message: str) -> dict:
    return {"line": line, "field": field, "code": code, "message": message}


def _parse_raw(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    try:
        return int(text, 10)
    except ValueError:
        return None


def parse_rows(content: bytes, *, fmt: str) -> tuple[list[_Row], list[dict]]:
    """Read rows from CSV (header line 1, data from line 2) or a JSON list (item 1 = line 1)."""
    errors: list[dict] = []
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(_("The file is not UTF-8 text."), code="not_utf8") from exc
    if fmt == "csv":
        reader = csv.reader(io.StringIO(text))
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise ImportRejected(
                _("The header lacks the column(s): %s") % ", ".join(missing),
                code="missing_column",
                field=missing[0],
            )
        index = [header.index(name) for name in COLUMNS]
        records: list[dict[str, Any] | None] = []
        for values in reader:
            if not any(v.strip() for v in values):
                records.append(None)
                continue
            padded = values + [""] * (len(header) - len(values))
            records.append({name: padded[i] for name, i in zip(COLUMNS, index, strict=True)})
        first_line = 2
    elif fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportRejected(_("The file is not valid JSON."), code="invalid_json") from exc
        if not isinstance(data, list):
            raise ImportRejected(_("Send a JSON list of rows."), code="invalid_json")
        records = [item if isinstance(item, dict) else {} for item in data]
        first_line = 1
    else:
        raise ImportRejected(_("Unknown format."), code="unknown_format", field="format")
    rows: list[_Row] = []
    for offset, record in enumerate(records):
        line = first_line + offset
        if record is None:
            continue
        reference = str(record.get("booking_reference") or "").strip()
        component = str(record.get("component") or "").strip()
        raw = _parse_raw(record.get("raw_score"))
        if not reference:
            errors.append(
                _error(line, "booking_reference", "missing_field", _("No booking reference."))
            )
        if raw is None:
            errors.append(
                _error(line, "raw_score", "not_a_number", _("The raw score is not a whole number."))
            )
        elif raw < 0:
            errors.append(
                _error(line, "raw_score", "negative_score", _("A raw score cannot be negative."))
            )
        rows.append(_Row(line=line, reference=reference, component=component, raw=raw))
    return rows, errors


def _validate(
    rows: list[_Row], *, organisation_ids: set[int] | None
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
                _error(
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
                _error(
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
                _error(
                    row.line,
                    "component",
                    "wrong_component",
                    _("Booking %(ref)s is for %(code)s.") % {"ref": row.reference, "code": code},
                )
            )
            continue
        if assessment != Component.Assessment.MACHINE_SCORED:
            errors.append(
                _error(
                    row.line,
                    "component",
                    "not_machine_scored",
                    _("%(code)s is not machine-scored.") % {"code": code},
                )
            )
            continue
        if status != Booking.Status.CHECKED_IN:
            errors.append(
                _error(
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
                _error(
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
            errors.append(_error(row.line, "raw_score", error.code, str(error.message)))
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
    details["errors"]: every bad row (line, field, code, message).
    Side effects: one ImportBatch, the draft results, one audit event.
    The file's bookings are locked (primary-key order) before they are read.
    """
    authz.require(permissions.can_import(actor, organisation_ids))
    digest = hashlib.sha256(content).hexdigest()
    existing = ImportBatch.objects.filter(sha256=digest).first()
    if existing is not None:
        return ImportOutcome(batch=existing, created=False, row_count=existing.row_count)
    rows, errors = parse_rows(content, fmt=fmt)
    _lock_bookings({row.reference for row in rows if row.reference})
    results, more = _validate(rows, organisation_ids=organisation_ids)
    errors = sorted(errors + more, key=lambda e: (e["line"], e["field"]))
    if errors:
        raise ImportRejected(
            _("The file was not imported: %(count)d error(s).") % {"count": len(errors)},
            details={"error_count": len(errors), "errors": errors[:MAX_ERRORS_REPORTED]},
        )
    if not results:
        raise ImportRejected(_("The file holds no rows."), code="empty_file")
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                sha256=digest,
                filename=filename[:200],
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
