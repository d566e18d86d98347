"""Streamed exports: they parse back, stream lazily, stay small in memory, and are safe."""

import csv
import datetime as dt
import io
import tracemalloc
import zipfile
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from django.http import StreamingHttpResponse

from monitoring.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, stream_table

COLUMNS = ["Naam", "Aantal", "Score", "Datum", "Tijd", "Leeg", "Ja"]
MOMENT = dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC)  # 13:30 in Amsterdam
ROW = ["Ärger Œ", 7, Decimal("7.5"), dt.date(2024, 1, 2), MOMENT, None, True]
DANGEROUS = ["=1+2", "+31", "-5", "@SUM(A1)", "\tx", "\rx"]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def sheet(response):
    return openpyxl.load_workbook(io.BytesIO(body(response))).active


def test_csv_parses_back_with_dutch_excel_conventions():
    response = stream_table(filename="lijst", columns=COLUMNS, rows=[ROW], fmt="csv")
    assert response["Content-Type"] == CSV_CONTENT_TYPE
    assert csv_rows(response) == [
        COLUMNS,
        ["Ärger Œ", "7", "7,5", "2024-01-02", "2024-03-01 13:30", "", "1"],
    ]


def test_xlsx_parses_back_with_numbers_as_numbers():
    response = stream_table(filename="lijst", columns=COLUMNS, rows=[ROW], fmt="xlsx")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    ws = sheet(response)
    header, row = list(ws.iter_rows(values_only=True))
    assert list(header) == COLUMNS
    assert list(row) == [
        "Ärger Œ",
        7,
        7.5,
        dt.datetime(2024, 1, 2),  # noqa: DTZ001 - openpyxl reads naive values
        dt.datetime(2024, 3, 1, 13, 30),  # noqa: DTZ001 - shown in Amsterdam time
        None,
        True,
    ]
    assert ws["A1"].font.b
    assert ws.freeze_panes == "A2"


def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe():
    rows = [[text] for text in DANGEROUS] + [["veilig"], [-5]]
    response = stream_table(filename="x", columns=["waarde"], rows=rows, fmt="csv")
    values = [line[0] for line in csv_rows(response)[1:]]
    assert values == ["'" + text for text in DANGEROUS] + ["veilig", "-5"]


def test_xlsx_keeps_formula_like_text_as_text():
    rows = [[text] for text in DANGEROUS]
    ws = sheet(stream_table(filename="x", columns=["waarde"], rows=rows, fmt="xlsx"))
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [cell.data_type for cell in cells] == ["s"] * len(DANGEROUS)
    assert [cell.value for cell in cells] == [text.replace("\r", "\n") for text in DANGEROUS]


def test_xlsx_drops_characters_xml_cannot_hold():
    rows = [["a\x00b\x1fc & <d>"]]
    ws = sheet(stream_table(filename="x", columns=["waarde"], rows=rows, fmt="xlsx"))
    assert ws["A2"].value == "abc & <d>"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rows_are_pulled_only_while_the_answer_is_sent(fmt):
    pulled = []

    def rows():
        for i in range(50_000):
            pulled.append(i)
            yield [f"kandidaat {i}", i]

    response = stream_table(filename="x", columns=["naam", "n"], rows=rows(), fmt=fmt)
    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming
    assert pulled == []
    chunks = iter(response.streaming_content)
    next(chunks)
    next(chunks)
    assert 0 < len(pulled) < 50_000
    rest = b"".join(chunks)
    assert len(pulled) == 50_000
    assert rest


@pytest.mark.parametrize(("fmt", "count"), [("csv", 200_000), ("xlsx", 200_000)])
def test_memory_stays_far_below_the_size_of_the_file(fmt, count):
    def rows():
        for i in range(count):
            yield (f"kandidaat {i}", i, "=1+1")

    tracemalloc.start()
    try:
        size = 0
        response = stream_table(filename="x", columns=["naam", "n", "p"], rows=rows(), fmt=fmt)
        for chunk in response.streaming_content:
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 1_500_000
    assert peak < 1_000_000
    assert peak < size / 3


def test_the_xlsx_is_a_zip_written_without_seeking():
    response = stream_table(filename="x", columns=["a"], rows=[[1]], fmt="xlsx")
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} <= set(
        archive.namelist()
    )
    sheet_entry = archive.getinfo("xl/worksheets/sheet1.xml")
    assert sheet_entry.flag_bits & 0x08  # sizes in a data descriptor after the data


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_answer_is_a_private_attachment(fmt):
    response = stream_table(filename="overzicht", columns=["a"], rows=[], fmt=fmt)
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == f'attachment; filename="overzicht.{fmt}"'


def test_a_hostile_file_name_becomes_a_safe_one():
    response = stream_table(
        filename='../../etc/pass"wd;\r\nX-Evil: 1', columns=["a"], rows=[], fmt="csv"
    )
    header = response["Content-Disposition"]
    assert "/" not in header
    assert "\r" not in header
    assert "\n" not in header
    assert header.count('"') == 2
    assert header == 'attachment; filename="-..-etc-passwdX-Evil 1.csv"'


def test_a_non_ascii_file_name_is_kept_beside_an_ascii_fallback():
    response = stream_table(filename="Überzicht ëë.xlsx", columns=["a"], rows=[], fmt="xlsx")
    header = response["Content-Disposition"]
    fallback, encoded = header.split("; filename*=UTF-8''")
    assert fallback == 'attachment; filename="Uberzicht ee.xlsx"'
    assert unquote(encoded) == "Überzicht ëë.xlsx"
    assert sheet(response).title == "Überzicht ëë.xlsx"


def test_an_unknown_format_is_refused_at_once():
    with pytest.raises(ValueError, match="fmt: 'pdf'"):
        stream_table(filename="x", columns=["a"], rows=[], fmt="pdf")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_row_of_the_wrong_length_is_refused_by_number(fmt):
    response = stream_table(filename="x", columns=["a", "b"], rows=[[1, 2], [3]], fmt=fmt)
    with pytest.raises(ValueError, match="row 2: 1 values for 2 columns"):
        body(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_naive_datetime_is_refused(fmt):
    naive = dt.datetime(2024, 1, 1, 12, 0)  # noqa: DTZ001 - the value under test
    response = stream_table(filename="x", columns=["a"], rows=[[naive]], fmt=fmt)
    with pytest.raises(ValueError, match="naive datetime"):
        body(response)
