"""iCalendar (RFC 5545) rendering of sessions: a pure function, no database or network.

Only what a calendar needs: component, centre, room, times and seats. No
candidate names, no BSNs: the feed URL is a secret, but calendars get shared.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

PRODID = "-//Examenbeheer inburgering//Planning//NL"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets (RFC 5545 §3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def render_calendar(*, name: str, sessions: Iterable, now: datetime.datetime | None = None) -> str:
    stamp = _utc(now or datetime.datetime.now(datetime.UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for session in sessions:
        end = session.starts_at + datetime.timedelta(
            minutes=session.duration_minutes + session.max_extra_minutes
        )
        cancelled = session.status == "cancelled"
        summary = f"{session.component.code} {session.level}".strip()
        place = f"{session.centre.name}, {session.room.name}, {session.centre.city}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.pk}@examenbeheer",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(session.starts_at)}",
            f"DTEND:{_utc(end)}",
            f"SUMMARY:{_escape(('CANCELLED ' if cancelled else '') + summary)}",
            f"LOCATION:{_escape(place)}",
            f"DESCRIPTION:{_escape(f'{session.booked_count}/{session.capacity} seats taken')}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
