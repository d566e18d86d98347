"""The certificate as a one-page A4 PDF. Pure and deterministic: same data, same bytes.

No database, no network, no clock: reportlab runs with `invariant=1` (fixed
creation date and document id). Dutch and English side by side. The QR code
is drawn as vector rectangles from qrcode's matrix with error correction M
and a fixed mask pattern (automatic mask selection renders the symbol eight
times). The verification URL is also a link annotation on the QR code and the
document subject, so the offline verifier reads it back from the file with
plain Python (`url_from_pdf`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import qrcode
import qrcode.constants
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .payload import CertificateData, Outcome

QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_MASK_PATTERN = 2  # fixed: any of 0-7 scans; choosing one saves seven trial renders
QR_SIDE = 42 * mm  # at QR version 12-14 this gives modules of about 0.6 mm: print-safe
ACCENT = HexColor("#154273")  # Rijkshuisstijl dark blue
MUTED = HexColor("#4b4b4b")

_URI = re.compile(rb"/URI\s*\(((?:[^()\\]|\\.)*)\)")


@dataclass(frozen=True)
class PrintedCertificate:
    """Everything the document shows: the signed data plus display names for its codes."""

    data: CertificateData
    verification_url: str
    regime_name_nl: str
    regime_name_en: str
    route_name_nl: str
    route_name_en: str
    # (code, Dutch name, English name) for every component in data.components
    component_names: tuple[tuple[str, str, str], ...] = ()
    issued_by_municipality: bool = False


def _date(value) -> str:
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"


def outcome_texts(outcome: str, level: str) -> tuple[str, str]:
    """(Dutch, English) for a component's outcome as printed."""
    at_nl = f" op niveau {level}" if level else ""
    at_en = f" at level {level}" if level else ""
    if outcome == Outcome.PASSED:
        return f"Behaald{at_nl}", f"Passed{at_en}"
    if outcome == Outcome.STEPPED_DOWN_PASSED:
        return f"Behaald{at_nl} na afschaling", f"Passed{at_en} after step-down"
    if outcome == Outcome.EXEMPTED:
        return "Ontheffing / vrijstelling", "Exempted"
    raise ValueError(f"unknown outcome {outcome!r}")


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR modules for `text` (no quiet zone), error correction M, fixed mask."""
    qr = qrcode.QRCode(
        error_correction=QR_ERROR_CORRECTION, box_size=1, border=0, mask_pattern=QR_MASK_PATTERN
    )
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()


def _draw_qr(canvas: Canvas, matrix: list[list[bool]], x: float, y: float, side: float) -> None:
    """Draw dark runs of each row as one rectangle: few operators, crisp edges."""
    count = len(matrix)
    module = side / count
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + side - (row_index + 1) * module
        col = 0
        while col < count:
            if row[col]:
                start = col
                while col < count and row[col]:
                    col += 1
                path.rect(x + start * module, top, (col - start) * module, module)
            else:
                col += 1
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)


def _pair(canvas: Canvas, x: float, y: float, label_nl: str, label_en: str, value: str) -> None:
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 8.5)
    canvas.drawString(x, y + 11, f"{label_nl} / {label_en}")
    canvas.setFillColor(black)
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(x, y - 2, value)


def render_certificate_pdf(doc: PrintedCertificate) -> bytes:
    """The certificate as PDF bytes. Never prints a BSN: the data does not hold one."""
    data = doc.data
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    width, height = A4
    issuer_kind_nl = "gemeente" if doc.issued_by_municipality else "DUO"
    title_nl = "Certificaat inburgering" if doc.issued_by_municipality else "Diploma inburgering"
    title_en = (
        "Civic integration certificate"
        if doc.issued_by_municipality
        else "Civic integration diploma"
    )
    canvas.setTitle(f"{title_nl} / {title_en} {data.serial}")
    canvas.setAuthor(data.issuer)
    canvas.setSubject(doc.verification_url)
    canvas.setCreator("Examenbeheer inburgering")

    left = 22 * mm
    canvas.setFillColor(ACCENT)
    canvas.rect(0, height - 38 * mm, width, 38 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont("Helvetica-Bold", 24)
    canvas.drawString(left, height - 20 * mm, title_nl)
    canvas.setFont("Helvetica", 14)
    canvas.drawString(left, height - 29 * mm, title_en)

    y = height - 56 * mm
    _pair(canvas, left, y, "Naam", "Name", f"{data.given_names} {data.family_name}")
    _pair(canvas, 125 * mm, y, "Geboortedatum", "Date of birth", _date(data.date_of_birth))
    y -= 17 * mm
    _pair(canvas, left, y, "Leerroute", "Learning route", doc.route_name_nl)
    canvas.setFont("Helvetica", 9.5)
    canvas.drawString(left, y - 13, doc.route_name_en)
    _pair(canvas, 125 * mm, y, "Wet", "Regime", doc.regime_name_nl)
    canvas.setFont("Helvetica", 9.5)
    canvas.drawString(125 * mm, y - 13, doc.regime_name_en)

    y -= 20 * mm
    canvas.setFillColor(ACCENT)
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(left, y, "Onderdelen / Components")
    y -= 3 * mm
    canvas.setStrokeColor(ACCENT)
    canvas.line(left, y, width - left, y)
    names = {code: (nl, en) for code, nl, en in doc.component_names}
    for item in data.components:
        y -= 10 * mm
        name_nl, name_en = names.get(item.code, (item.code, item.code))
        result_nl, result_en = outcome_texts(item.outcome, item.level)
        canvas.setFillColor(black)
        canvas.setFont("Helvetica-Bold", 10.5)
        canvas.drawString(left, y, f"{name_nl} ({item.code})")
        canvas.drawString(105 * mm, y, result_nl)
        canvas.setFillColor(MUTED)
        canvas.setFont("Helvetica", 9)
        canvas.drawString(left, y - 11, name_en)
        canvas.drawString(105 * mm, y - 11, result_en)

    # Footer: issue facts on the left, QR on the right.
    qr_x = width - left - QR_SIDE
    qr_y = 30 * mm
    base = qr_y + QR_SIDE - 6
    _pair(canvas, left, base, "Uitgegeven door", "Issued by", f"{data.issuer} ({issuer_kind_nl})")
    _pair(canvas, left, base - 15 * mm, "Datum van uitgifte", "Issue date", _date(data.issued_on))
    _pair(canvas, left, base - 30 * mm, "Serienummer", "Serial number", data.serial)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(left, qr_y - 2, f"Sleutel / Key: {data.key_id}")

    _draw_qr(canvas, qr_matrix(doc.verification_url), qr_x, qr_y, QR_SIDE)
    canvas.linkURL(doc.verification_url, (qr_x, qr_y, qr_x + QR_SIDE, qr_y + QR_SIDE), relative=0)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 7.5)
    canvas.drawCentredString(qr_x + QR_SIDE / 2, qr_y - 10, "Scan om te controleren")
    canvas.drawCentredString(qr_x + QR_SIDE / 2, qr_y - 19, "Scan to verify")
    canvas.setFont("Helvetica", 7)
    canvas.drawString(
        left,
        14 * mm,
        "Controleer echtheid en actuele status via de QR-code. "
        "Verify authenticity and current status with the QR code.",
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def url_from_pdf(pdf: bytes) -> str | None:
    """The verification URL from a certificate PDF (its link annotation), or None."""
    match = _URI.search(pdf)
    if not match:
        return None
    raw = re.sub(rb"\\(.)", rb"\1", match.group(1))
    return raw.decode("latin-1")
