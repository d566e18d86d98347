"""A world with one object of each kind in one organisation, and outsiders in every role.

`home` is a municipality with its own exam centre, staff in every role, a
resident, and everything that grows around them: a decision, sessions in
several states, bookings, a waiting-list entry, calendar feeds, an examiner's
qualification, a rating, released results, an import batch, an irregularity
report, an API token, second-factor devices and an issued certificate. The
objects are made the way the product makes them where that matters (services
for feeds, tokens, decisions, ratings and the certificate), by factories
where a state is only set up.

The outsiders are a second municipality and a provider that municipality
contracted (not `home`): for each, one person per role, an invigilator
assigned to one of its own sessions, and API tokens. The agency (DUO) is no
outsider: it sees every candidate by design.

Every string that could only come from one of home's objects is a *marker*
(names, BSN, references, serial, secrets, reasons): a page of an outsider
that shows one has leaked it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from certificates.models import Certificate
from certificates.services import issue_certificate
from certificates.views import candidate_download_url
from examens.audit import SYSTEM
from examens.models import (
    ApiToken,
    AuditEvent,
    Candidate,
    Decision,
    ExamCentre,
    Membership,
    Organisation,
    Role,
    Room,
    User,
)
from examens.privacy import mask_bsn
from examens.services import create_api_token, record_decision
from grading.models import ExaminerQualification, OverdueFlag
from grading.services import import_machine_scores, record_rating
from monitoring.services import enqueue_webhook_event, register_webhook_endpoint
from scheduling.models import (
    Booking,
    ExamSession,
    SessionStaff,
    WaitingListEntry,
)
from scheduling.services import create_calendar_feed, report_irregularity
from tests.certificates.conftest import Grading
from tests.conftest import fresh_factor
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    CentreFactory,
    MembershipFactory,
    OrganisationFactory,
    ProviderFactory,
    RoomFactory,
    UserFactory,
    add_totp_device,
    component,
)
from tests.grading.factories import BookingFactory, version
from tests.grading.factories import SessionFactory as HeldSessionFactory
from tests.scheduling.factories import SessionFactory

SCOPES = (
    "catalogue:read",
    "sessions:read",
    "bookings:read",
    "bookings:write",
    "results:read",
    "results:write",
    "capacity:read",
    "progress:read",
    "certificates:read",
)
INVIGILATOR = "invigilator"  # a session role (SessionStaff), held by an examiner member
ROLES = (*Role.values, INVIGILATOR)


def _person(organisation: Organisation, role: str, username: str) -> User:
    user = UserFactory(username=username, email=f"{username}@example.nl")
    MembershipFactory(
        user=user, organisation=organisation, role=Role.EXAMINER if role == INVIGILATOR else role
    )
    add_totp_device(user)
    return user


def _qualify(user: User, organisation: Organisation, codes: tuple[str, ...]) -> None:
    today = timezone.localdate()
    for code in codes:
        ExaminerQualification.objects.get_or_create(
            user=user,
            component=component(code),
            level="",
            organisation=organisation,
            defaults={
                "valid_from": today - datetime.timedelta(days=365),
                "valid_until": today + datetime.timedelta(days=365),
            },
        )


ALL_COMPONENTS = ("LEZ", "LUI", "SCH", "SPR", "KNM", "PVT", "MAP", "ONA")


@dataclass
class Home:
    """The organisation whose objects the outsiders must not reach."""

    organisation: Organisation
    centre: ExamCentre
    room: Room
    staff: dict[str, User]
    candidate: Candidate
    sessions: dict[str, ExamSession] = field(default_factory=dict)
    bookings: dict[str, Booking] = field(default_factory=dict)
    objects: dict[type[Model], list[tuple[str, Model]]] = field(default_factory=dict)
    feed_secrets: dict[str, str] = field(default_factory=dict)
    certificate: Certificate | None = None
    download_value: str = ""
    markers: set[str] = field(default_factory=set)

    def add(self, label: str, obj: Model) -> Model:
        self.objects.setdefault(type(obj), []).append((label, obj))
        return obj

    def of(self, model: type[Model]) -> list[tuple[str, Model]]:
        return self.objects.get(model, [])


def build_home() -> Home:
    AgencyFactory()
    organisation = OrganisationFactory(name="Gemeente Alfastad")
    centre = CentreFactory(organisation=organisation, name="Alfastad Examenhuis")
    room = RoomFactory(centre=centre, name="Zaal Alfakamer", capacity=30)
    staff = {role: _person(organisation, role, f"alfa-{role}") for role in ROLES}
    _qualify(staff[Role.EXAMINER], organisation, ALL_COMPONENTS)
    candidate = CandidateFactory(
        municipality=organisation,
        given_names="Zefanja",
        family_name="Alfageheim",
        email="zefanja.alfageheim@example.nl",
    )
    home = Home(organisation, centre, room, staff, candidate)
    home.add("organisation", organisation)
    home.add("centre", centre)
    home.add("room", room)
    home.add("candidate", candidate)
    for role, user in staff.items():
        home.add(f"{role} user", user)
        home.add(f"{role} membership", Membership.objects.filter(user=user).first())
        home.add(f"{role} authenticator", TOTPDevice.objects.get(user=user))
    home.add("backup codes", StaticDevice.objects.create(user=staff[Role.ADMIN], name="backup"))
    passkey = WebAuthnCredential.objects.create(
        user=staff[Role.ADMIN], name="alfa passkey", credential_id=b"alfa-passkey", public_key=b"-"
    )
    home.add("admin passkey", passkey)
    _sessions(home)
    _grading(home)
    _certificate(home)
    _machine_access(home)
    _webhooks(home)
    home.markers = _markers(home)
    return home


def _sessions(home: Home) -> None:
    planner, examiner = home.staff[Role.PLANNER], home.staff[Role.EXAMINER]
    for status in (ExamSession.Status.DRAFT, ExamSession.Status.PUBLISHED):
        session = SessionFactory(centre=home.centre, room=home.room, status=status)
        home.sessions[status] = home.add(f"{status} session", session)
    held = HeldSessionFactory(room=home.room, exam_version=version("SPR-B1-2026A"))
    home.sessions["held"] = home.add("held session", held)
    SessionStaff.objects.create(
        session=held, user=home.staff[INVIGILATOR], role=SessionStaff.Role.INVIGILATOR
    )
    # Another resident holds the open LEZ booking: the first one passes LEZ for the certificate.
    second = home.add(
        "second candidate",
        CandidateFactory(
            municipality=home.organisation, given_names="Yara", family_name="Alfatweede"
        ),
    )
    booked = BookingFactory(
        session=home.sessions[ExamSession.Status.PUBLISHED],
        candidate=second,
        status=Booking.Status.BOOKED,
    )
    sat = BookingFactory(session=held, candidate=home.candidate)
    home.bookings.update(booked=booked, sat=sat)
    home.add("booked booking", booked)
    home.add("sat booking", sat)
    home.add(
        "waiting-list entry",
        WaitingListEntry.objects.create(
            candidate=home.candidate, component=component("KNM"), centre=home.centre
        ),
    )
    with transaction.atomic():
        home.add(
            "irregularity",
            report_irregularity(sat, actor=planner, description="Alfa onregelmatigheid"),
        )
    for label, kwargs in (
        ("centre feed", {"centre": home.centre}),
        ("own feed", {"user": examiner}),
    ):
        actor = planner if "centre" in kwargs else examiner
        feed = create_calendar_feed(actor=actor, **kwargs)
        home.feed_secrets[label] = feed.secret
        home.add(label, feed)
    home.add(
        "decision",
        record_decision(
            home.candidate,
            actor=home.staff[Role.OFFICER],
            organisation=home.organisation,
            kind=Decision.Kind.ACCOMMODATION,
            reason="Alfadossier reden",
            needs=["extended_time"],
            extra_minutes=15,
        ),
    )


def _grading(home: Home) -> None:
    examiner = fresh_factor(home.staff[Role.EXAMINER])
    home.add("qualification", ExaminerQualification.objects.filter(user=examiner).first())
    rating = record_rating(
        home.bookings["sat"], actor=examiner, scores={"task": 10, "vocabulary": 8, "grammar": 8}
    )
    home.add("rating", rating)


def _certificate(home: Home) -> None:
    grading = Grading()
    grading.room = home.room
    grading.complete(home.candidate)
    for (_candidate, code), result in sorted(grading.results.items()):
        home.add(f"{code} result", result)
    certificate = issue_certificate(home.candidate, actor=SYSTEM)
    home.certificate = home.add("certificate", certificate)
    home.download_value = candidate_download_url(certificate).rsplit("/", 1)[-1]


def _machine_access(home: Home) -> None:
    admin = fresh_factor(home.staff[Role.ADMIN])
    token, _secret = create_api_token(
        home.organisation, actor=admin, name="Alfa zaaksysteem", scopes=list(SCOPES)
    )
    home.add("api token", token)
    lez = BookingFactory(
        session=HeldSessionFactory(room=home.room),
        candidate=CandidateFactory(municipality=home.organisation),
    )
    home.bookings["unscored"] = home.add(
        "unscored booking",
        BookingFactory(
            session=lez.session, candidate=CandidateFactory(municipality=home.organisation)
        ),
    )
    csv = f"booking_reference,component,raw_score\n{lez.reference},LEZ,30\n".encode()
    with transaction.atomic():
        outcome = import_machine_scores(
            csv,
            actor=home.staff[Role.EXAMINER],
            filename="alfa-scores.csv",
            organisation_ids={home.organisation.pk},
        )
    home.add("import batch", outcome.batch)
    home.add(
        "overdue flag",
        OverdueFlag.objects.create(
            booking=home.bookings["unscored"],
            due_on=timezone.localdate(),
            flagged_at=timezone.now(),
        ),
    )
    decision = home.of(Decision)[0][1]
    home.add(
        "audit event",
        AuditEvent.objects.filter(object_type="examens.decision", object_id=str(decision.pk))
        .order_by("pk")
        .first(),
    )


WEBHOOK_URL = "https://hooks.alfastad.example/zaaksysteem"


def _webhooks(home: Home) -> None:
    """An endpoint with one delivery waiting (never sent: the address is not reached)."""
    endpoint, _secret = register_webhook_endpoint(
        home.organisation,
        actor=fresh_factor(home.staff[Role.ADMIN]),
        name="Alfa webhook",
        url=WEBHOOK_URL,
        event_types=["booking.made"],
    )
    home.add("webhook endpoint", endpoint)
    home.add(
        "webhook delivery",
        enqueue_webhook_event(
            "booking.made",
            actor=SYSTEM,
            candidate_id=home.candidate.pk,
            objects={"booking_id": home.bookings["booked"].pk},
        )[0],
    )


def _markers(home: Home) -> set[str]:
    candidate, certificate = home.candidate, home.certificate
    assert certificate is not None
    bsn = candidate.bsn
    markers = {
        candidate.given_names,
        candidate.family_name,
        candidate.email,
        "Alfatweede",
        bsn,
        f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}",
        f"{bsn[:4]} {bsn[4:6]} {bsn[6:]}",
        mask_bsn(bsn),
        home.room.name,
        certificate.serial,
        certificate.payload,
        home.download_value,
        "Alfadossier reden",
        "Alfa onregelmatigheid",
        "Alfa zaaksysteem",
        "alfa-scores.csv",
        "Alfa webhook",
        WEBHOOK_URL,
        *(booking.reference for booking in Booking.objects.filter(session__centre=home.centre)),
        *(user.username for user in home.staff.values()),
        *home.feed_secrets.values(),
        *(token.prefix for token in ApiToken.objects.filter(organisation=home.organisation)),
    }
    return {marker for marker in markers if marker}


# --- outsiders --------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who sends the requests: a person in one role, or an API token."""

    label: str
    organisation: Organisation | None
    user: User | None = None
    token: str = ""  # the secret, for `Authorization: Bearer`
    scopes: tuple[str, ...] = ()


def build_outsiders(home: Home) -> list[Principal]:
    """One person per role and tokens, for a second municipality and a provider it
    contracted; neither is `home`, neither contracted by it."""
    municipality = OrganisationFactory(name="Gemeente Bravoveen")
    provider = ProviderFactory(name="Examenbureau Charlie")
    provider.contracted_by.add(municipality)
    platform_admin = UserFactory(is_superuser=True)
    principals: list[Principal] = []
    for prefix, organisation in (("bravo", municipality), ("charlie", provider)):
        centre = CentreFactory(organisation=organisation)
        own_session = SessionFactory(centre=centre)
        CandidateFactory(municipality=municipality)
        for role in ROLES:
            user = _person(organisation, role, f"{prefix}-{role}")
            if role in (Role.EXAMINER, INVIGILATOR):
                _qualify(user, organisation, ALL_COMPONENTS)
            if role == INVIGILATOR:
                SessionStaff.objects.create(
                    session=own_session, user=user, role=SessionStaff.Role.INVIGILATOR
                )
            principals.append(Principal(f"{organisation.kind} {role}", organisation, user=user))
        for scopes in (*((scope,) for scope in SCOPES), SCOPES):
            _token, secret = create_api_token(
                organisation, actor=platform_admin, name=f"{prefix} system", scopes=list(scopes)
            )
            label = "all scopes" if len(scopes) > 1 else scopes[0]
            principals.append(
                Principal(
                    f"{organisation.kind} token {label}", organisation, token=secret, scopes=scopes
                )
            )
    assert not home.organisation.providers.exists()
    return principals
