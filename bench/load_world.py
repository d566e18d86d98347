"""The world bench/load.py runs against, on top of bench/_common.seed_world.

- a staff account (the agency's `bench` user as admin, planner and examiner) with
  a password and an authenticator app, to log in through the real pages;
- held sessions whose candidates were checked in, ready for a result import;
  every other component of those candidates' route is exempted, so a released
  pass of the imported component completes the route and a certificate is issued
  (by the Celery worker);
- a few certificates issued and stored before the run, for the verification load.

Bulk-created like seed_world: this is the world before the run, not the load.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field

from bench._common import make_candidates, session_row

IMPORTED_COMPONENT = "LEZ"
_references = itertools.count(1)


@dataclass
class LoadWorld:
    staff_username: str
    staff_password: str
    held_sessions: list[tuple[int, list[str]]] = field(default_factory=list)  # id, references
    certificate_payloads: list[str] = field(default_factory=list)


def _exempt(candidates, *, components, staff, agency, whole: bool = False) -> None:
    from examens.models import Decision

    rows = []
    for candidate in candidates:
        for component in [None] if whole else components:
            rows.append(
                Decision(
                    candidate=candidate,
                    kind=Decision.Kind.EXEMPTION,
                    ground=Decision.Ground.DIPLOMA,
                    component=component,
                    decided_by=staff,
                    decided_for=agency,
                    reason="bench/load.py",
                )
            )
    Decision.objects.bulk_create(rows, batch_size=5000)


def _staff(password: str):
    """The agency's `bench` user (seed_world's) as admin, planner and examiner, with an app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from examens.models import Membership, Role, User

    staff = User.objects.get(username="bench")
    staff.set_password(password)
    staff.email = "bench@example.invalid"
    staff.save(update_fields=["password", "email"])
    agency = Membership.objects.get(user=staff).organisation
    for role in (Role.PLANNER, Role.EXAMINER):
        Membership.objects.create(user=staff, organisation=agency, role=role)
    TOTPDevice.objects.create(user=staff, name="bench", confirmed=True)
    return staff, agency


def seed_load_world(*, held_sessions: int, per_session: int, certificates: int) -> LoadWorld:
    from django.utils import timezone

    from examens.models import ExamVersion, Organisation, Room, Route, RouteRequirement
    from scheduling.models import Booking, ExamSession

    password = f"load-{timezone.now().timestamp():.0f}-wachtwoord"
    staff, agency = _staff(password)
    world = LoadWorld(staff_username=staff.username, staff_password=password)
    municipality = Organisation.objects.get(kind="municipality")
    version = ExamVersion.objects.select_related("component").get(code="LEZ-B1-2026A")
    room = Room.objects.order_by("pk")[0]
    route = Route.objects.get(code="B1", regime__code="WI2021")  # seed_world's candidates' route
    others = [
        requirement.component
        for requirement in RouteRequirement.objects.filter(route=route).select_related("component")
        if requirement.component.code != IMPORTED_COMPONENT
    ]

    taking = make_candidates(
        "Held", held_sessions * per_session, municipality=municipality, route=route
    )
    _exempt(taking, components=others, staff=staff, agency=agency)
    started = timezone.now() - datetime.timedelta(days=3)
    sessions = ExamSession.objects.bulk_create(
        session_row(
            room,
            version,
            started - datetime.timedelta(hours=2 * index),
            capacity=per_session,
            status="held",
            booked_count=per_session,
        )
        for index in range(held_sessions)
    )
    bookings = []
    for index, session in enumerate(sessions):
        mine = taking[index * per_session : (index + 1) * per_session]
        references = [f"LOAD-{next(_references):08d}" for _ in mine]
        world.held_sessions.append((session.pk, references))
        bookings += [
            Booking(
                session=session,
                candidate=candidate,
                component=version.component,
                level="B1",
                status=Booking.Status.CHECKED_IN,
                attempt_number=1,
                payer=Booking.Payer.CANDIDATE,
                fee_cents=5000,
                slot_minutes=65,
                reference=reference,
            )
            for candidate, reference in zip(mine, references, strict=True)
        ]
    Booking.objects.bulk_create(bookings, batch_size=5000)

    world.certificate_payloads = _issue_before(certificates, municipality, route, staff, agency)
    return world


def _issue_before(count: int, municipality, route, staff, agency) -> list[str]:
    """Certificates for wholly exempted candidates, issued and stored as the worker would."""
    from certificates.services import issue_certificate, record_certificate_stored
    from certificates.storage import save_certificate_pdf
    from examens.audit import SYSTEM

    payloads = []
    holders = make_candidates("Holder", count, municipality=municipality, route=route)
    _exempt(holders, components=[], staff=staff, agency=agency, whole=True)
    for holder in holders:
        certificate = issue_certificate(holder, actor=SYSTEM)
        save_certificate_pdf(certificate)
        record_certificate_stored(certificate, actor=SYSTEM)
        payloads.append(certificate.payload)
    return payloads
