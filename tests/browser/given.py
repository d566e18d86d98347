"""What the browser journey starts from, and the one thing no person does: time passing.

Run inside the served product's environment (same VAR_DIR, same settings), never in
the test process: `python -m tests.browser.given prepare` and
`python -m tests.browser.given start-session <id>`. Each prints one JSON object.

`prepare` picks demo candidates and brings one of them, through the product's own
services, to "everything done but speaking": DUO's officer exempts reading,
listening, writing and KNM on a diploma, and Utrecht's examiner signs off PVT and
MAP. Another candidate is exempted from speaking, so the planner has someone to be
refused. It also reports each demo account's TOTP state (last step accepted, drift), so the
test knows which codes the server will still accept (django-otp takes each step once).

`start-session` is the outside world: the session starts now (five minutes ago),
as `tests/test_journey.py` moves it with the ORM. Nothing else is written here.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from collections import Counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from demo.registry import sign_in  # noqa: E402
from demo.world import TOTP_DEVICE_NAME  # noqa: E402
from examens.models import Candidate, Component, Organisation, User  # noqa: E402
from examens.services import record_decision  # noqa: E402
from grading.services import grant_qualification, sign_off_component  # noqa: E402
from scheduling.models import ExamSession  # noqa: E402

EXEMPTED_FOR_THE_JOURNEY = ("LEZ", "LUI", "SCH", "KNM")
SIGNED_OFF_FOR_THE_JOURNEY = ("PVT", "MAP")


def _untouched(municipality: str, route: str) -> list[Candidate]:
    """Demo candidates of `municipality` on `route` with nothing recorded yet, whose full
    name no other candidate shares (the test finds them by name, as a planner would)."""
    names = Counter(Candidate.objects.values_list("given_names", "family_name"))
    candidates = (
        Candidate.objects.filter(
            municipality__name=municipality,
            route__code=route,
            bookings__isnull=True,
            results__isnull=True,
            decisions__isnull=True,
            term_end__gt=timezone.localdate() + datetime.timedelta(days=365),
        )
        .select_related("municipality")
        .order_by("pk")
    )
    return [c for c in candidates if names[(c.given_names, c.family_name)] == 1]


def _describe(candidate: Candidate) -> dict:
    return {
        "id": candidate.pk,
        "name": candidate.full_name,
        "family_name": candidate.family_name,
        "municipality": candidate.municipality.name,
    }


def _devices() -> dict[str, dict[str, int]]:
    """Each demo account's TOTP state: the last step accepted, the drift, the tolerance."""
    return {
        device.user.username: {
            "last_t": int(device.last_t),
            "drift": int(device.drift),
            "tolerance": int(device.tolerance),
        }
        for device in TOTPDevice.objects.filter(name=TOTP_DEVICE_NAME).select_related("user")
    }


def prepare() -> dict:
    officer = User.objects.get(username="medewerker.duo")
    agency = Organisation.objects.get(name="DUO")
    utrecht = Organisation.objects.get(name="Utrecht")
    signer = User.objects.get(username="examinator.utrecht")
    admin = User.objects.get(username="beheer.utrecht")
    for person in (officer, signer, admin):
        sign_in(person)  # a fresh factor, as a person who just entered a code

    utrecht_b1 = _untouched("Utrecht", "B1")[:4]
    zeist_b1 = (_untouched("Zeist", "B1") or _untouched("Amersfoort", "B1"))[:1]
    if len(utrecht_b1) < 4 or not zeist_b1:
        raise SystemExit("the demo has too few untouched B1 candidates for the journey")
    journey, refused, keyboard, _spare = utrecht_b1
    today = timezone.localdate()
    with transaction.atomic():
        for code in EXEMPTED_FOR_THE_JOURNEY:
            record_decision(
                journey,
                actor=officer,
                organisation=agency,
                kind="exemption",
                ground="diploma",
                component=Component.objects.get(code=code),
                reason="NT2-diploma (browser journey)",
            )
        record_decision(
            refused,
            actor=officer,
            organisation=agency,
            kind="exemption",
            ground="medical",
            component=Component.objects.get(code="SPR"),
            reason="Medisch advies (browser journey)",
        )
    for code in SIGNED_OFF_FOR_THE_JOURNEY:
        component = Component.objects.get(code=code)
        grant_qualification(
            signer,
            actor=admin,
            component=component,
            organisation=utrecht,
            valid_from=today - datetime.timedelta(days=30),
            valid_until=today + datetime.timedelta(days=365),
        )
        sign_off_component(
            journey,
            actor=signer,
            component=component,
            completed=True,
            evidence={
                "hours": 48,
                "started_on": (today - datetime.timedelta(days=90)).isoformat(),
                "ended_on": (today - datetime.timedelta(days=7)).isoformat(),
                "declaration_reference": "PVT-BROWSER-2026",
            },
        )
    return {
        "journey": _describe(journey),
        "ineligible": _describe(refused),
        "keyboard": _describe(keyboard),
        "no_js": _describe(zeist_b1[0]),
        "devices": _devices(),
    }


def start_session(session_id: int) -> dict:
    """The session starts now: moved like tests/test_journey.py does (the outside world)."""
    start = timezone.now() - datetime.timedelta(minutes=5)
    ExamSession.objects.filter(pk=session_id).update(
        starts_at=start, booking_closes_at=start - datetime.timedelta(days=2)
    )
    return {"session": session_id, "starts_at": start.isoformat()}


def main(argv: list[str]) -> None:
    if argv[:1] == ["prepare"]:
        result = prepare()
    elif argv[:1] == ["start-session"] and len(argv) == 2:
        result = start_session(int(argv[1]))
    else:
        raise SystemExit("usage: python -m tests.browser.given prepare | start-session ID")
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
