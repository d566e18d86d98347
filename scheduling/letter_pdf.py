"""The letters for a candidate without an e-mail address: a pure renderer.

Four kinds (decision 0029): the invitation, "your exam was moved" (the
invitation of a booking that replaced another, with the old and the new
time), the reminder and the cancellation. One A4 page in Dutch or in English:
the candidate's name and postal address, the session's day and time
(Europe/Amsterdam, as given), the place, the booking reference and what to
bring. It is given only what it prints, so a BSN cannot reach it. No database,
no Django: tested on its own.
"""

from __future__ import annotations

import datetime
import io
import textwrap
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
    kind: str = "invitation"  # one of KINDS
    # A move: the time the candidate was last told (local time), replaced by this booking.
    previous_starts_at: datetime.datetime | None = None
    # A cancellation: the whole session was cancelled (not the booking alone), and why.
    session_cancelled: bool = False
    reason: str = ""


def when_nl(moment: datetime.datetime) -> str:
    return f"{moment.day} {MONTHS_NL[moment.month - 1]} {moment.year}, {moment:%H:%M} uur"


def when_en(moment: datetime.datetime) -> str:
    return f"{moment.day} {MONTHS_EN[moment.month - 1]} {moment.year}, {moment:%H:%M}"


KINDS = ("invitation", "move", "reminder", "cancellation")
INVITATION, MOVE, REMINDER, CANCELLATION = KINDS
LANGUAGES = ("nl", "en")
TITLES = {
    "nl": {
        INVITATION: ("Uitnodiging", "Uitnodiging voor uw examen"),
        MOVE: ("Verplaatsing", "Uw examen is verplaatst"),
        REMINDER: ("Herinnering", "Herinnering aan uw examen"),
        CANCELLATION: ("Annulering", "Uw examen gaat niet door"),
    },
    "en": {
        INVITATION: ("Invitation", "Invitation to your exam"),
        MOVE: ("Exam moved", "Your exam has been moved"),
        REMINDER: ("Reminder", "Reminder of your exam"),
        CANCELLATION: ("Cancellation", "Your exam has been cancelled"),
    },
}


def _lines_nl(letter: Letter, place: str) -> list[str]:
    when = f"{when_nl(letter.starts_at)} ({letter.duration_minutes} minuten)"
    details = [f"Plaats: {place}", f"Boekingsnummer: {letter.reference}"]
    bring = ["Neem mee:", *(f"  - {item}" for item in BRING_NL)]
    opening = {
        INVITATION: [f"U bent ingeschreven voor het examen {letter.component_nl}."],
        MOVE: [
            f"Uw examen {letter.component_nl} is verplaatst.",
            f"Oude datum en tijd: {when_nl(letter.previous_starts_at or letter.starts_at)}",
        ],
        REMINDER: [f"Dit is een herinnering aan uw examen {letter.component_nl}."],
    }
    if letter.kind == CANCELLATION:
        if letter.session_cancelled:
            lines = [
                f"De examenzitting {letter.component_nl} op {when_nl(letter.starts_at)} "
                "is geannuleerd.",
                "Dit telt niet als poging. Uw planner biedt u een nieuwe datum aan.",
            ]
            lines += [f"Reden: {letter.reason}"] if letter.reason else []
        else:
            lines = [
                f"Uw boeking voor het examen {letter.component_nl} op "
                f"{when_nl(letter.starts_at)} is geannuleerd. U hoeft niet te komen."
            ]
        return [*lines, *details]
    label = "Nieuwe datum en tijd" if letter.kind == MOVE else "Datum en tijd"
    return [*opening[letter.kind], f"{label}: {when}", *details, *bring]


def _lines_en(letter: Letter, place: str) -> list[str]:
    when = f"{when_en(letter.starts_at)} ({letter.duration_minutes} minutes)"
    details = [f"Place: {place}", f"Booking reference: {letter.reference}"]
    bring = ["Please bring:", *(f"  - {item}" for item in BRING_EN)]
    opening = {
        INVITATION: [f"You are booked for the {letter.component_en} exam."],
        MOVE: [
            f"Your {letter.component_en} exam has been moved.",
            f"Previous date and time: {when_en(letter.previous_starts_at or letter.starts_at)}",
        ],
        REMINDER: [f"This is a reminder of your {letter.component_en} exam."],
    }
    if letter.kind == CANCELLATION:
        if letter.session_cancelled:
            lines = [
                f"The {letter.component_en} exam session on {when_en(letter.starts_at)} "
                "has been cancelled.",
                "This does not count as an attempt. Your planner will offer you a new date.",
            ]
            lines += [f"Reason: {letter.reason}"] if letter.reason else []
        else:
            lines = [
                f"Your booking for the {letter.component_en} exam on "
                f"{when_en(letter.starts_at)} has been cancelled. You do not need to come."
            ]
        return [*lines, *details]
    label = "New date and time" if letter.kind == MOVE else "Date and time"
    return [*opening[letter.kind], f"{label}: {when}", *details, *bring]


def _section(letter: Letter, *, dutch: bool) -> list[str]:
    place = ", ".join(p for p in (letter.centre_name, letter.room, letter.centre_address) if p)
    greeting = f"Beste {letter.candidate_name}," if dutch else f"Dear {letter.candidate_name},"
    body = _lines_nl(letter, place) if dutch else _lines_en(letter, place)
    # A long line (a reason, a long place) is wrapped to the page's width.
    return [greeting, *(part for line in body for part in textwrap.wrap(line, 90) or [""])]


def render_letter(letter: Letter, language: str) -> bytes:
    """The letter as PDF bytes, in `language` ("nl" or "en") and of its kind (one of
    KINDS); ValueError otherwise."""
    if language not in LANGUAGES:
        raise ValueError(language)
    if letter.kind not in KINDS:
        raise ValueError(letter.kind)
    dutch = language == "nl"
    title, heading = TITLES[language][letter.kind]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"{title} {letter.reference}")
    _width, height = A4
    x, y = 25 * mm, height - 50 * mm
    canvas.setFont("Helvetica", 11)
    for line in [letter.candidate_name, *letter.postal_address.splitlines()]:
        canvas.drawString(x, y, line.strip())
        y -= 5.5 * mm
    y -= 15 * mm
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(x, y, heading)
    y -= 8 * mm
    canvas.setFont("Helvetica", 11)
    for line in _section(letter, dutch=dutch):
        canvas.drawString(x, y, line)
        y -= 5.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
