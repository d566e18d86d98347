"""Streamed CSV and XLSX exports: rows pulled one by one, the file never whole in memory.

`stream_table` is the one entry point. Callers pass rows lazily: a generator, or a
queryset as `.values_list(...).iterator(chunk_size=2000)` (a plain queryset caches
every row it has read). Exports contain no BSN unless the caller's role is entitled to
it, and then the caller records the export as an audit event; this module only
writes what it is given.

CSV (decision 0019): UTF-8 with a byte order mark, `;` between fields and a decimal
comma, as Excel opens it on a Dutch machine; RFC 4180 quoting; a text cell starting
with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so that
no spreadsheet runs it as a formula (OWASP "CSV injection").

XLSX: written here as a zip on a stream that cannot seek (zip data descriptors), one
worksheet of inline strings and numbers, the header row bold and frozen. A text cell
is stored as text and never read as a formula, so it is written unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from urllib.parse import quote
from xml.sax.saxutils import escape  # writes XML, parses none  # nosec B406

from django.http import StreamingHttpResponse
from django.utils import timezone

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
CSV_DELIMITER = ";"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel's sheet holds 1,048,576 rows; one is the header.
XLSX_MAX_ROWS = 1_048_575
# Bytes gathered before a chunk goes out: few enough chunks, little memory.
CHUNK_BYTES = 64 * 1024


class ExportTooLarge(ValueError):
    """More rows than an XLSX worksheet holds. Raised while streaming, so a caller that
    may exceed XLSX_MAX_ROWS checks its count first or offers CSV."""


# --- values -------------------------------------------------------------------------------


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        raise ValueError(f"{value!r}: naive datetime in an export (store and pass aware ones)")
    return timezone.localtime(value)


def csv_text(value: object) -> str:
    """One value as CSV text: numbers with a decimal comma, times in Europe/Amsterdam,
    None empty, and text that a spreadsheet would run as a formula made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return str(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


# --- the response -------------------------------------------------------------------------


def safe_filename(filename: str, extension: str) -> str:
    """`filename` fit for a download: no path, no control or quote characters, at most
    100 characters, ending in `.{extension}`. Non-ASCII letters are kept (the header
    carries them as RFC 5987 `filename*`)."""
    name = unicodedata.normalize("NFC", filename)
    name = name.replace("/", "-").replace("\\", "-")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'["\';:*?<>|]+', "", name).strip(" .")
    suffix = "." + extension
    if name.lower().endswith(suffix):
        name = name[: -len(suffix)]
    return (name[:100] or "export") + suffix


def _ascii_fallback(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._ -]+", "_", decomposed) or "export"


def content_disposition(name: str) -> str:
    """An `attachment` header for an already safe name, readable by old and new clients."""
    fallback = _ascii_fallback(name)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def stream_table(
    *, filename: str, columns: list[str], rows: Iterable[Sequence], fmt: str
) -> StreamingHttpResponse:
    """A download of `columns` (the header row) and `rows`, generated while it is sent.

    Rules: `fmt` is "csv" or "xlsx"; every row has one value per column (int, Decimal,
    str, date, aware datetime, bool or None); rows are read one at a time from
    `rows` as the client downloads. The answer is `attachment` with a safe file name
    (see `safe_filename`) and `Cache-Control: private, no-store`.

    Raises ValueError for an unknown `fmt` at once; while streaming, ValueError for a
    row of the wrong length, a naive datetime or an unsupported value, and
    ExportTooLarge for an XLSX of more than XLSX_MAX_ROWS rows (the download then
    ends broken, which the client reports).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt: {fmt!r} is not one of {', '.join(FORMATS)}")
    header = [str(column) for column in columns]
    if fmt == "csv":
        content: Iterator[bytes] = _csv_chunks(header, rows)
        content_type = CSV_CONTENT_TYPE
    else:
        content = _xlsx_chunks(header, rows, title=sheet_title(filename))
        content_type = XLSX_CONTENT_TYPE
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(safe_filename(filename, fmt))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def checked_rows(width: int, rows: Iterable[Sequence]) -> Iterator[Sequence]:
    """Each row of `rows`, refusing one whose length is not `width` (numbered from 1)."""
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ValueError(f"row {number}: {len(row)} values for {width} columns")
        yield row


class _Lines:
    """The csv module's file: keeps what it writes until taken."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        self.size = 0
        return data


def _csv_chunks(header: list[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    lines = _Lines()
    writer = csv.writer(lines, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    lines.write("\ufeff")
    writer.writerow([csv_text(column) for column in header])
    for row in checked_rows(len(header), rows):
        writer.writerow([csv_text(value) for value in row])
        if lines.size >= CHUNK_BYTES:
            yield lines.take()
    yield lines.take()


# --- XLSX ---------------------------------------------------------------------------------

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 0: default; 1: date; 2: date and time; 3: bold (the header).
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    _XML + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
_SHEET_END = "</sheetData></worksheet>"
_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year quirk folded in)


def sheet_title(filename: str) -> str:
    """A worksheet name from the file name: Excel allows 31 characters, none of []:*?/\\."""
    title = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C")
    title = re.sub(r"[\[\]:*?/\\]+", " ", title).strip(" '")
    return title[:31].strip() or "Export"


# Escapes XML's markup characters and drops the characters XML 1.0 cannot hold at all,
# in one pass.
_XML_TEXT = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        **{chr(code): None for code in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]},
        "\ufffe": None,
        "\uffff": None,
    }
)
_SPACE = (" ", "\t", "\n", "\r")


def _text_cell(text: str, style: str = "") -> str:
    text = text.translate(_XML_TEXT)
    space = ' xml:space="preserve"' if text.startswith(_SPACE) or text.endswith(_SPACE) else ""
    return f'<c t="inlineStr"{style}><is><t{space}>{text}</t></is></c>'


def _datetime_cell(value: dt.datetime) -> str:
    local = _local(value)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    serial = Decimal((local.date() - _EPOCH).days) + Decimal(seconds) / Decimal(86400)
    return f'<c s="2"><v>{round(serial, 10)}</v></c>'


_CELL_WRITERS = {
    str: _text_cell,
    int: lambda value: f"<c><v>{value}</v></c>",
    Decimal: lambda value: f"<c><v>{value}</v></c>",
    float: lambda value: f"<c><v>{value!r}</v></c>",
    bool: lambda value: f'<c t="b"><v>{int(value)}</v></c>',
    type(None): lambda value: "<c/>",
    dt.datetime: _datetime_cell,
    dt.date: lambda value: f'<c s="1"><v>{(value - _EPOCH).days}</v></c>',
}


def xlsx_cell(value: object) -> str:
    """One value as a SpreadsheetML cell: numbers as numbers, dates as dates (Europe/
    Amsterdam), text as an inline string, None as an empty cell. Cells carry no
    reference: a row's cells are in column order, an empty one included.

    Raises ValueError for a naive datetime.
    """
    writer = _CELL_WRITERS.get(type(value))
    if writer is None:  # a subclass (a TextChoices member, a SafeString) or anything else
        kind = next((k for k in _CELL_WRITERS if k is not str and isinstance(value, k)), str)
        writer = _CELL_WRITERS[kind]
        value = value if kind is not str else str(value)
    return writer(value)


class _Sink:
    """A stream that cannot seek: `zipfile` writes into it, the generator empties it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: the generator takes what was written."""

    def close(self) -> None:
        """Nothing to do: the response closes the connection."""

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def _xlsx_chunks(header: list[str], rows: Iterable[Sequence], *, title: str) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        name = escape(title, {'"': "&quot;"})
        archive.writestr(
            "xl/workbook.xml",
            _XML + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>'
            f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        yield sink.take()
        with archive.open("xl/worksheets/sheet1.xml", mode="w") as sheet:
            cells = "".join(_text_cell(name, ' s="3"') for name in header)
            parts = [_SHEET_START, f'<row r="1">{cells}</row>']
            size = 0
            for number, row in enumerate(checked_rows(len(header), rows), start=2):
                if number - 1 > XLSX_MAX_ROWS:
                    raise ExportTooLarge(f"more than {XLSX_MAX_ROWS} rows for one worksheet")
                cells = "".join([xlsx_cell(value) for value in row])
                line = f'<row r="{number}">{cells}</row>'
                parts.append(line)
                size += len(line)
                if size >= CHUNK_BYTES:
                    sheet.write("".join(parts).encode("utf-8"))
                    parts.clear()
                    size = 0
                    if sink.size:
                        yield sink.take()
            parts.append(_SHEET_END)
            sheet.write("".join(parts).encode("utf-8"))
    yield sink.take()
