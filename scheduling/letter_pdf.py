"""The invitation letter for a candidate without an e-mail address: a pure renderer.

One A4 page in Dutch or in English: the candidate's name and postal address,
the session's day and time (Europe/Amsterdam, as given), the place, the booking
reference and what to bring. It is given only what it prints, so a BSN cannot
reach it. No database, no Django: tested on its own.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

MONTHS_NL = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
BRING_NL = (
    "een geldig identiteitsbewijs (paspoort, ID-kaart of verblijfsdocument)",
    "deze brief of het boekingsnummer",
    "kom 30 minuten voor de aanvang",
)
BRING_EN = (
    "a valid identity document (passport, ID card or residence document)",
    "this letter or the booking reference",
    "arrive 30 minutes before the start",
)


@dataclass(frozen=True)
class Letter:
    candidate_name: str
    postal_address: str  # lines separated by newlines
    component_nl: str
    component_en: str
    starts_at: datetime.datetime  # local time (Europe/Amsterdam)
    duration_minutes: int
    centre_name: str
    centre_address: str
    room: str
    reference: str


def when_nl(moment: datetime.datetime) -> str:
    return f"{moment.day} {MONTHS_NL[moment.month - 1]} {moment.year}, {moment:%H:%M} uur"


def when_en(moment: datetime.datetime) -> str:
    return f"{moment.day} {MONTHS_EN[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def _section(letter: Letter, *, dutch: bool) -> list[str]:
    place = ", ".join(p for p in (letter.centre_name, letter.room, letter.centre_address) if p)
    if dutch:
        return [
            f"Beste {letter.candidate_name},",
            f"U bent ingeschreven voor het examen {letter.component_nl}.",
            f"Datum en tijd: {when_nl(letter.starts_at)} ({letter.duration_minutes} minuten)",
            f"Plaats: {place}",
            f"Boekingsnummer: {letter.reference}",
            "Neem mee:",
            *(f"  - {item}" for item in BRING_NL),
        ]
    return [
        f"Dear {letter.candidate_name},",
        f"You are booked for the {letter.component_en} exam.",
        f"Date and time: {when_en(letter.starts_at)} ({letter.duration_minutes} minutes)",
        f"Place: {place}",
        f"Booking reference: {letter.reference}",
        "Please bring:",
        *(f"  - {item}" for item in BRING_EN),
    ]


LANGUAGES = ("nl", "en")


def render_letter(letter: Letter, language: str) -> bytes:
    """The letter as PDF bytes, in `language` ("nl" or "en"; ValueError otherwise)."""
    if language not in LANGUAGES:
        raise ValueError(language)
    dutch = language == "nl"
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    title = "Uitnodiging" if dutch else "Invitation"
    canvas.setTitle(f"{title} {letter.reference}")
    _width, height = A4
    x, y = 25 * mm, height - 50 * mm
    canvas.setFont("Helvetica", 11)
    for line in [letter.candidate_name, *letter.postal_address.splitlines()]:
        canvas.drawString(x, y, line.strip())
        y -= 5.5 * mm
    y -= 15 * mm
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(x, y, "Uitnodiging voor uw examen" if dutch else "Invitation to your exam")
    y -= 8 * mm
    canvas.setFont("Helvetica", 11)
    for line in _section(letter, dutch=dutch):
        canvas.drawString(x, y, line)
        y -= 5.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
