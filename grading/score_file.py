"""The machine-score file: CSV or JSON bytes into rows, within limits. Pure: no database.

Whatever the bytes, the answer is rows with their errors (line, field, code,
message) or one ImportRejected for the whole file; never another exception,
so a hostile file cannot turn into a server error. What is checked here:

- size: at most `max_bytes` bytes and `max_rows` rows (settings
  RESULT_IMPORT_MAX_BYTES and RESULT_IMPORT_MAX_ROWS; the error names them);
- text: UTF-8 (the line of the first bad byte is named), no control
  characters and no lone surrogates (a JSON `\\ud800`), fields no longer than
  the register holds them;
- CSV: any line ending (LF, CRLF, CR alone), an unreadable line (a field over
  the csv module's limit, a stray quote) is named by its line;
- JSON: numbers of at most `MAX_DIGITS` digits are read, longer ones are an
  error of their row (never Python's 4,300-digit ValueError); nesting deeper
  than the interpreter's stack is refused as a whole; a row is an object of
  scalars.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .exceptions import ImportRejected, ImportTooLarge

COLUMNS = ("booking_reference", "component", "raw_score")
MAX_REFERENCE_LENGTH = 20  # Booking.reference
MAX_COMPONENT_LENGTH = 10  # Component.code
MAX_DIGITS = 9  # far above any exam's maximum raw score
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int


@dataclass
class Row:
    line: int
    reference: str
    component: str
    raw: int | None


class _TooManyDigits:
    """What the JSON reader returns for an integer longer than MAX_DIGITS."""


TOO_MANY_DIGITS = _TooManyDigits()
NOT_AN_OBJECT: dict[str, Any] = {}  # a JSON item that is not an object (compared by identity)


def row_error(line: int, field: str, code: str, message: str) -> dict:
    return {"line": line, "field": field, "code": code, "message": message}


def rejected(message: str, *, code: str, line: int = 0, field: str = "") -> ImportRejected:
    """A whole-file error, in the same shape as row errors (line 0: the file as a whole)."""
    return ImportRejected(
        message,
        code=code,
        field=field or None,
        details={"error_count": 1, "errors": [row_error(line, field, code, message)]},
    )


def too_large(*, setting: str, maximum: int) -> ImportTooLarge:
    if setting == "RESULT_IMPORT_MAX_BYTES":
        code = "file_too_large"
        message = _(
            "The file is larger than %(maximum)d bytes (the limit set in %(setting)s); "
            "split it into smaller files."
        )
    else:
        code = "too_many_rows"
        message = _(
            "The file holds more than %(maximum)d rows (the limit set in %(setting)s); "
            "split it into smaller files."
        )
    return ImportTooLarge(
        message % {"maximum": maximum, "setting": setting},
        code=code,
        details={"limit": setting, "maximum": maximum},
    )


def check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise too_large(setting="RESULT_IMPORT_MAX_BYTES", maximum=limits.max_bytes)


def _check_rows(count: int, limits: Limits) -> None:
    if count > limits.max_rows:
        raise too_large(setting="RESULT_IMPORT_MAX_ROWS", maximum=limits.max_rows)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise rejected(
            _("The file is not UTF-8 text (line %(line)d).") % {"line": line},
            code="not_utf8",
            line=line,
        ) from error


def _csv_records(text: str, limits: Limits) -> list[dict[str, Any] | None]:
    # newline="": the csv module sees every line ending itself (CR alone included);
    # strict: a quote out of place is an error of its line, not a silent guess.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[dict[str, Any] | None] = []
    header: list[str] = []
    rows = 0
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise rejected(
                ngettext(
                    "The header lacks the column: %s",
                    "The header lacks the columns: %s",
                    len(missing),
                )
                % ", ".join(missing),
                code="missing_column",
                line=1,
                field=missing[0],
            )
        index = [header.index(name) for name in COLUMNS]
        for values in reader:
            if not any(v.strip() for v in values):
                records.append(None)
                continue
            rows += 1
            _check_rows(rows, limits)
            padded = values + [""] * (len(header) - len(values))
            records.append({name: padded[i] for name, i in zip(COLUMNS, index, strict=True)})
    except csv.Error as error:
        line = len(records) + 2 if header else 1  # where the unreadable record starts
        if "field larger than field limit" in str(error):
            message = _("Line %(line)d holds a field longer than %(limit)d characters.") % {
                "line": line,
                "limit": csv.field_size_limit(),
            }
            raise rejected(message, code="field_too_long", line=line) from error
        message = _("Line %(line)d is not valid CSV (check its quotes).") % {"line": line}
        raise rejected(message, code="invalid_csv", line=line) from error
    return records


def _bounded_int(digits: str) -> int | _TooManyDigits:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        return TOO_MANY_DIGITS
    return int(digits)


def _json_records(text: str, limits: Limits) -> list[dict[str, Any] | None]:
    try:
        data = json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise rejected(
            _("The file is not valid JSON (line %(line)d, column %(column)d).")
            % {"line": error.lineno, "column": error.colno},
            code="invalid_json",
            line=error.lineno,
        ) from error
    except RecursionError as error:
        raise rejected(
            _("The JSON is nested too deeply: send a flat list of rows."), code="too_deep"
        ) from error
    if not isinstance(data, list):
        raise rejected(_("Send a JSON list of rows."), code="invalid_json")
    _check_rows(len(data), limits)
    return [item if isinstance(item, dict) else NOT_AN_OBJECT for item in data]


def _text(record: dict, name: str, limit: int, line: int, errors: list[dict]) -> str:
    value = record.get(name)
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        errors.append(row_error(line, name, "not_text", _("This field must be text.")))
        return ""
    value = value.strip()
    if not value.isprintable():  # rare: find out what makes it so
        if _SURROGATE.search(value):
            message = _("This field is not valid text.")
            errors.append(row_error(line, name, "invalid_text", message))
            return ""
        if _CONTROL.search(value):
            message = _("This field holds a control character.")
            errors.append(row_error(line, name, "invalid_text", message))
            return ""
    if len(value) > limit:
        errors.append(
            row_error(
                line,
                name,
                "too_long",
                _("This field is longer than %(limit)d characters.") % {"limit": limit},
            )
        )
        return ""
    return value


def _raw_score(value: Any, line: int, errors: list[dict]) -> int | None:
    """The raw score as an int; None (with its error) for anything else."""
    number: int | None = None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS:
        return int(value)  # the common case
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        digits = value.strip()
        if len(digits.lstrip("+-")) <= MAX_DIGITS:
            number = int(digits)
        else:
            value = TOO_MANY_DIGITS
    if value is TOO_MANY_DIGITS:
        message = _("The raw score has more than %(digits)d digits.") % {"digits": MAX_DIGITS}
        errors.append(row_error(line, "raw_score", "number_too_large", message))
    elif number is None:
        message = _("The raw score is not a whole number.")
        errors.append(row_error(line, "raw_score", "not_a_number", message))
    elif number < 0:
        message = _("A raw score cannot be negative.")
        errors.append(row_error(line, "raw_score", "negative_score", message))
        number = None
    return number


def parse_rows(content: bytes, *, fmt: str, limits: Limits) -> tuple[list[Row], list[dict]]:
    """Read rows from CSV (header line 1, data from line 2) or a JSON list (item 1 = line 1).

    Returns the rows and every row error; raises ImportRejected for a file that
    cannot be read at all, ImportTooLarge (413) over a limit.
    """
    check_size(len(content), limits)
    if fmt not in ("csv", "json"):
        raise rejected(_("Unknown format."), code="unknown_format", field="format")
    text = _decode(content)
    if fmt == "csv":
        records = _csv_records(text, limits)
        first_line = 2
    else:
        records = _json_records(text, limits)
        first_line = 1
    errors: list[dict] = []
    rows: list[Row] = []
    for offset, record in enumerate(records):
        line = first_line + offset
        if record is None:
            continue
        if record is NOT_AN_OBJECT:
            message = _("A row must be an object with fields.")
            errors.append(row_error(line, "", "not_an_object", message))
            continue
        found: list[dict] = []
        reference = _text(record, "booking_reference", MAX_REFERENCE_LENGTH, line, found)
        if not reference and not found:
            message = _("No booking reference.")
            found.append(row_error(line, "booking_reference", "missing_field", message))
        component = _text(record, "component", MAX_COMPONENT_LENGTH, line, found)
        raw = _raw_score(record.get("raw_score"), line, found)
        errors.extend(found)
        rows.append(Row(line=line, reference=reference, component=component, raw=raw))
    return rows, errors
