"""The QR code on the invitation: the booking reference, nothing else (no BSN, no name).

Pure: no database or network. The invigilator's handheld scanner types the
decoded text into the check-in search field, which finds a booking by its
reference (selectors.find_bookings).
"""

from __future__ import annotations

import io
import re

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage

REFERENCE_PATTERN = re.compile(r"EB-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
BOX_SIZE = 8  # pixels per module: comfortably scannable from a phone screen or print
BORDER = 4  # modules of quiet zone, as the standard asks


def _qr(reference: str) -> qrcode.QRCode:
    if not REFERENCE_PATTERN.fullmatch(reference):
        raise ValueError("only a booking reference goes into the invitation's QR code")
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=BOX_SIZE, border=BORDER
    )
    qr.add_data(reference, optimize=0)
    qr.make(fit=True)
    return qr


def reference_matrix(reference: str) -> list[list[bool]]:
    """The QR modules (quiet zone included) for `reference`; raises ValueError otherwise."""
    return _qr(reference).get_matrix()


def reference_qr_png(reference: str) -> bytes:
    """A PNG of the QR code holding exactly `reference`; raises ValueError for anything else."""
    image = _qr(reference).make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_filename(reference: str) -> str:
    return f"{reference}.png"
