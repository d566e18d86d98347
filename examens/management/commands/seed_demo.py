"""`manage.py seed_demo`: a believable demo world around Utrecht, Amersfoort and Zeist.

Creates DUO, three municipalities, a contracted exam provider, four exam centres
with rooms, staff with known logins and a fixed TOTP secret each, about 300
candidates with valid BSNs, and a few dozen decisions (exemptions, step-downs,
term extensions, accommodation needs).

Idempotent: every object has a natural key (organisation name, centre and room
name, username, a deterministic list of BSNs, one decision per candidate, kind,
component and ground) and is looked up before it is created, so a second run
creates nothing and writes no audit event. Deterministic: everything is drawn
from `random.Random(2026)`, one candidate after the other, so candidate `i` is
the same whatever `--candidates` says.

Candidates and decisions go through the registry services. Organisations,
centres, rooms, users and TOTP devices have no service yet: they are created
here, each in a transaction with its audit event.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import importlib
import io
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.nl import bsn as stdnum_bsn

from examens.audit import SYSTEM, record_event
from examens.models import (
    Accommodation,
    Candidate,
    Component,
    Decision,
    ExamCentre,
    Membership,
    Organisation,
    Role,
    Room,
    Route,
    User,
)
from examens.services import add_years, grant_membership, record_decision, register_candidate

SEED = 2026
DEMO_PASSWORD = "demo-wachtwoord"
TOTP_DEVICE_NAME = "demo"
# Decisions are dated relative to the candidate's term, never after this day,
# so the same seed gives the same rows whenever it runs.
LATEST_DECISION_DAY = datetime.date(2026, 11, 1)
TERM_START_FIRST = datetime.date(2023, 1, 1)
TERM_START_LAST = datetime.date(2026, 10, 1)

AGENCY = "DUO"
PROVIDER = "Taalcentrum Midden"
# name, CBS code, share of the candidates (roughly by population)
MUNICIPALITIES = [
    ("Utrecht", "0344", 55),
    ("Amersfoort", "0307", 28),
    ("Zeist", "0355", 17),
]
PROVIDER_CONTRACTED_BY = ["Amersfoort", "Zeist"]

# name, kind, organisation, address, city,
# [(room, capacity, step_free, separate_room, large_screen, hearing_loop)]
CENTRES = [
    (
        "DUO Examenlocatie Utrecht",
        ExamCentre.Kind.CENTRAL,
        AGENCY,
        "Europalaan 40",
        "Utrecht",
        [
            ("Examenzaal 1", 30, True, False, True, False),
            ("Examenzaal 2", 24, True, False, False, True),
            ("Aparte ruimte 0.14", 8, True, True, True, True),
        ],
    ),
    (
        "DUO Examenlocatie Amersfoort",
        ExamCentre.Kind.CENTRAL,
        AGENCY,
        "Stationsplein 12",
        "Amersfoort",
        [
            ("Zaal A", 20, True, False, True, True),
            ("Zaal B", 16, False, False, False, False),
        ],
    ),
    (
        "Gemeente Utrecht Stadskantoor",
        ExamCentre.Kind.DECENTRALISED,
        "Utrecht",
        "Stadsplateau 1",
        "Utrecht",
        [
            ("Vergaderzaal 2.05", 14, True, False, False, True),
            ("Spreekkamer 3.12", 8, True, True, False, False),
        ],
    ),
    (
        "Taalcentrum Midden Zeist",
        ExamCentre.Kind.DECENTRALISED,
        PROVIDER,
        "Slotlaan 180",
        "Zeist",
        [
            ("Lokaal 1", 12, False, False, False, False),
            ("Lokaal 2", 10, False, False, True, False),
            ("Stilteruimte", 8, False, True, False, True),
        ],
    ),
]

# username, first name, last name, organisation, roles
STAFF = [
    ("planner.duo", "Sanne", "de Vries", AGENCY, [Role.PLANNER]),
    ("examinator.duo", "Mohamed", "El Amrani", AGENCY, [Role.EXAMINER]),
    ("medewerker.duo", "Ingrid", "Bakker", AGENCY, [Role.OFFICER]),
    ("beheer.duo", "Pieter", "Jansen", AGENCY, [Role.ADMIN]),
    ("planner.utrecht", "Fleur", "van Dijk", "Utrecht", [Role.PLANNER]),
    ("ambtenaar.utrecht", "Kees", "Smit", "Utrecht", [Role.OFFICER]),
    ("examinator.utrecht", "Aylin", "Yilmaz", "Utrecht", [Role.EXAMINER]),
    ("ambtenaar.amersfoort", "Marloes", "Visser", "Amersfoort", [Role.OFFICER]),
    ("ambtenaar.zeist", "Jeroen", "Mulder", "Zeist", [Role.OFFICER]),
    ("planner.taalcentrum", "Lotte", "Hendriks", PROVIDER, [Role.PLANNER]),
    ("examinator.taalcentrum", "Ruben", "de Graaf", PROVIDER, [Role.EXAMINER]),
]
SUPERUSERS = {"beheer.duo"}
AGENCY_OFFICER = "medewerker.duo"
MUNICIPAL_OFFICERS = {
    "Utrecht": "ambtenaar.utrecht",
    "Amersfoort": "ambtenaar.amersfoort",
    "Zeist": "ambtenaar.zeist",
}

# origin weight, chance of being an asylum migrant, female names, male names, family names
ORIGINS = [
    (
        10,
        0.85,
        ["Rasha", "Lina", "Hiba", "Nour", "Ranim", "Dima"],
        ["Ahmad", "Omar", "Khaled", "Yousef", "Bashar", "Mahmoud"],
        ["Al-Hassan", "Haddad", "Kassab", "Al-Khatib", "Darwish", "Sabbagh", "Hamoud"],
    ),
    (
        7,
        0.95,
        ["Senait", "Helen", "Yohana", "Selam", "Lidya"],
        ["Tesfaye", "Yonas", "Dawit", "Filmon", "Robel"],
        ["Tekle", "Ghebremedhin", "Haile", "Woldu", "Berhane", "Kidane"],
    ),
    (
        6,
        0.9,
        ["Mariam", "Zahra", "Farzana", "Shabnam", "Nilofar"],
        ["Ahmad Shah", "Mohammad", "Farid", "Jawad", "Hamid"],
        ["Ahmadzai", "Rahimi", "Hakimi", "Noorzai", "Sultani", "Karimi"],
    ),
    (
        5,
        0.9,
        ["Hodan", "Fadumo", "Sahra", "Ayaan", "Ifrah"],
        ["Abdi", "Mahad", "Abdirahman", "Liban", "Ahmed"],
        ["Warsame", "Farah", "Mohamud", "Jama", "Osman", "Abdullahi"],
    ),
    (
        5,
        0.85,
        ["Shirin", "Maryam", "Parisa", "Leila", "Niloufar"],
        ["Reza", "Arash", "Behnam", "Kaveh", "Mehdi"],
        ["Hosseini", "Rezaei", "Moradi", "Ahmadi", "Jafari", "Karimi"],
    ),
    (
        3,
        0.8,
        ["Zainab", "Noor", "Ban", "Hawra"],
        ["Ali", "Haider", "Mustafa", "Hussein"],
        ["Al-Jubouri", "Al-Saadi", "Kareem", "Abbas", "Hamid"],
    ),
    (
        3,
        0.9,
        ["Amal", "Samah", "Fatima"],
        ["Mohammed", "Saleh", "Abdullah"],
        ["Al-Yemeni", "Ba-Wazir", "Al-Ahdal", "Saeed"],
    ),
    (
        3,
        0.85,
        ["Aziza", "Hanan", "Amira"],
        ["Mohamed", "Osman", "Hassan"],
        ["Ibrahim", "Abdelrahman", "Adam", "Idris"],
    ),
    (
        8,
        0.25,
        ["Elif", "Zeynep", "Merve", "Fatma", "Büşra", "Esra"],
        ["Mehmet", "Mustafa", "Emre", "Burak", "Hüseyin", "Ahmet"],
        ["Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Öztürk", "Aydın"],
    ),
    (
        11,
        0.02,
        ["Fatima", "Khadija", "Samira", "Nadia", "Houda", "Imane"],
        ["Youssef", "Mohamed", "Said", "Rachid", "Hamza", "Karim"],
        ["El Idrissi", "Benali", "Amrani", "Bouzid", "El Ouali", "Tahiri", "Azzouzi"],
    ),
    (
        6,
        0.0,
        ["Priya", "Ananya", "Deepika", "Kavya"],
        ["Arjun", "Rahul", "Vikram", "Sanjay"],
        ["Sharma", "Patel", "Reddy", "Nair", "Iyer", "Gupta"],
    ),
    (
        4,
        0.0,
        ["Maria Cristina", "Angelica", "Joy", "Rowena"],
        ["Jose", "Mark Anthony", "Rommel", "Jerome"],
        ["Santos", "Reyes", "Dela Cruz", "Bautista", "Garcia"],
    ),
    (
        4,
        0.0,
        ["Siriporn", "Nattaya", "Kanya", "Ploy"],
        ["Somchai", "Anan", "Kittisak"],
        ["Srisuk", "Chaiyaporn", "Wongsa", "Saetang"],
    ),
    (
        4,
        0.0,
        ["Ana Paula", "Juliana", "Camila", "Fernanda"],
        ["João", "Lucas", "Rafael", "Thiago"],
        ["Silva", "Oliveira", "Souza", "Pereira", "Costa"],
    ),
    (
        4,
        0.0,
        ["Xiu Ying", "Mei", "Li Na", "Yan"],
        ["Wei", "Jun", "Hao", "Lei"],
        ["Wang", "Li", "Zhang", "Chen", "Liu"],
    ),
    (
        3,
        0.0,
        ["Olga", "Natalia", "Svetlana", "Anastasia"],
        ["Dmitri", "Sergei", "Alexei", "Andrei"],
        ["Ivanova", "Smirnov", "Kuznetsova", "Popov", "Volkov"],
    ),
    (
        3,
        0.0,
        ["Akosua", "Abena", "Efua"],
        ["Kwame", "Kofi", "Yaw"],
        ["Mensah", "Asante", "Owusu", "Boateng"],
    ),
    (
        3,
        0.0,
        ["Valentina", "Daniela", "Paola"],
        ["Andrés", "Santiago", "Carlos"],
        ["Rodríguez", "Gómez", "Martínez", "Hernández"],
    ),
    (
        3,
        0.05,
        ["Nour", "Yasmin", "Mona"],
        ["Ahmed", "Mahmoud", "Karim"],
        ["Mostafa", "Abdel Aziz", "Farouk", "Soliman"],
    ),
]

LANGUAGE_COMPONENTS = ["LEZ", "LUI", "SCH", "SPR"]
EXAMINED_CENTRALLY = [*LANGUAGE_COMPONENTS, "KNM"]
COMPONENT_NAMES_NL = {
    "LEZ": "Lezen",
    "LUI": "Luisteren",
    "SCH": "Schrijven",
    "SPR": "Spreken",
    "KNM": "Kennis Nederlandse Maatschappij",
}

# Chances per candidate, tuned for about 10/5/10/8/10 decisions in 300 candidates.
P_MEDICAL = 0.036
P_DIPLOMA = 0.03
P_STEP_DOWN = 0.06  # of the B1-route candidates whose term started before autumn 2025
P_EXTENSION = 0.07  # of the candidates whose term ends before 2027
P_ACCOMMODATION = 0.045

ACCOMMODATIONS = [
    # needs, extra minutes, reason
    ([Accommodation.EXTENDED_TIME], 30, "Dyslexieverklaring: verlengde examentijd."),
    (
        [Accommodation.LARGE_SCREEN, Accommodation.SEPARATE_ROOM],
        None,
        "Slechtziend; groot beeldscherm en aparte ruimte volgens oogartsverklaring.",
    ),
    (
        [Accommodation.EXTENDED_TIME, Accommodation.INTERRUPTED_SITTING],
        20,
        "Concentratieproblemen (PTSS); pauze tijdens het examen toegestaan.",
    ),
    ([Accommodation.STEP_FREE], None, "Rolstoelgebruiker: drempelvrije examenruimte nodig."),
    (
        [Accommodation.HEARING_LOOP, Accommodation.SEPARATE_ROOM],
        None,
        "Slechthorend; ringleiding en aparte ruimte.",
    ),
    (
        [Accommodation.LARGE_PRINT, Accommodation.EXTENDED_TIME],
        15,
        "Verminderd gezichtsvermogen: vergrote opgaven en extra tijd.",
    ),
]
MEDICAL_REASONS = [
    "Advies sociaal-medische beoordeling: blijvende medische beperking.",
    "Medisch advies arts (SMA): examen {name} niet haalbaar.",
    "Chronische aandoening; de arts adviseert ontheffing voor {name}.",
    "Cognitieve beperking vastgesteld door onafhankelijk arts.",
]
DIPLOMA_REASONS = [
    "Certificaat Staatsexamen NT2 programma I, onderdeel {name}.",
    "Nederlandstalig diploma mbo niveau 2: vrijstelling {name}.",
    "Erkend buitenlands diploma met Nederlands als vak: vrijstelling {name}.",
]
EXTENSION_REASONS = {
    Decision.Ground.NOT_TO_BLAME: [
        "Langdurige ziekenhuisopname; niet verwijtbaar.",
        "Zorg voor ernstig ziek gezinslid; niet verwijtbaar.",
        "Geen examenplek beschikbaar binnen de termijn; niet verwijtbaar.",
    ],
    Decision.Ground.EFFORT: [
        "Aantoonbare inspanning: lessen gevolgd en meerdere examenpogingen gedaan.",
        "Voldoende inspanning: {hours} lesuren en alle examens geprobeerd.",
    ],
}


@dataclass
class DecisionPlan:
    kind: str
    reason: str
    decided_on: datetime.date
    by_agency: bool
    component: str | None = None
    ground: str = ""
    extension_days: int | None = None
    extra_minutes: int | None = None
    needs: list[str] = field(default_factory=list)
    evidence_reference: str = ""


@dataclass
class CandidatePlan:
    bsn: str
    given_names: str
    family_name: str
    date_of_birth: datetime.date
    municipality: str
    regime: str
    route: str
    term_start: datetime.date
    is_asylum_migrant: bool
    email: str
    preferred_language: str
    decisions: list[DecisionPlan] = field(default_factory=list)


def totp_key_for(username: str) -> str:
    """The fixed demo TOTP key (40 hex digits, 20 bytes) for `username`."""
    return hashlib.sha1(b"demo-totp:" + username.encode(), usedforsecurity=False).hexdigest()[:40]


def _random_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _draw_bsn(rng: random.Random, taken: set[str]) -> str:
    """A fresh nine-digit number starting 1-6 that passes the 11-check."""
    while True:
        base = str(rng.randrange(10_000_000, 70_000_000))
        total = sum(
            int(digit) * weight for digit, weight in zip(base, range(9, 1, -1), strict=True)
        )
        check = total % 11
        number = base + str(check)
        if check <= 9 and number not in taken and stdnum_bsn.is_valid(number):
            taken.add(number)
            return number


def _ascii_slug(text: str) -> str:
    table = str.maketrans("ıİçÇşŞğĞöÖüÜãáéíóúâêôàñ", "iIcCsSgGoOuUaaeiouaeoan")
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum())


def _day_after(rng: random.Random, start: datetime.date, low: int, high: int) -> datetime.date:
    """A day `low`-`high` days after `start`, pulled in to stay on or before the last day."""
    high = max(0, min(high, (LATEST_DECISION_DAY - start).days))
    return start + datetime.timedelta(days=rng.randint(min(low, high), high))


def plan_candidates(count: int, requirements: dict[tuple[str, str], dict]) -> list[CandidatePlan]:
    """Draw `count` candidates and their decisions, one after the other from Random(2026)."""
    rng = random.Random(SEED)
    taken: set[str] = set()
    origin_weights = [origin[0] for origin in ORIGINS]
    municipality_names = [name for name, _, _ in MUNICIPALITIES]
    municipality_weights = [share for _, _, share in MUNICIPALITIES]
    plans = []
    for number in range(1, count + 1):
        bsn = _draw_bsn(rng, taken)
        _, asylum_chance, female, male, families = rng.choices(ORIGINS, origin_weights)[0]
        given = rng.choice(female if rng.random() < 0.52 else male)
        family = rng.choice(families)
        date_of_birth = _random_day(rng, datetime.date(1960, 1, 1), datetime.date(2004, 12, 31))
        municipality = rng.choices(municipality_names, municipality_weights)[0]
        if rng.random() < 0.2:
            # Wi2013: obliged before 2022, so their (restarted) terms are the oldest ones.
            regime, route = "WI2013", "A2"
            term_start = _random_day(rng, TERM_START_FIRST, datetime.date(2023, 12, 31))
        else:
            regime = "WI2021"
            term_start = _random_day(rng, TERM_START_FIRST, TERM_START_LAST)
            age = (term_start - date_of_birth).days // 365
            draw = rng.random()
            if age < 28 and draw < 0.45:
                route = "EDU"
            elif draw > (0.78 if age >= 50 else 0.9):
                route = "Z"
            else:
                route = "B1"
        email = ""
        if rng.random() < 0.6:
            email = f"{_ascii_slug(given)[:1]}.{_ascii_slug(family)}{number}@example.nl"
        plan = CandidatePlan(
            bsn=bsn,
            given_names=given,
            family_name=family,
            date_of_birth=date_of_birth,
            municipality=municipality,
            regime=regime,
            route=route,
            term_start=term_start,
            is_asylum_migrant=rng.random() < asylum_chance,
            email=email,
            preferred_language="en" if rng.random() < 0.15 else "nl",
        )
        plan.decisions = _plan_decisions(rng, plan, requirements[(regime, route)], number)
        plans.append(plan)
    return plans


def _plan_decisions(
    rng: random.Random, plan: CandidatePlan, requirement: dict, number: int
) -> list[DecisionPlan]:
    decisions = []
    start = plan.term_start
    term_end = add_years(start, 3)
    examined = [code for code in EXAMINED_CENTRALLY if code in requirement["required"]]
    if examined and rng.random() < P_MEDICAL:
        code = rng.choice(examined)
        decisions.append(
            DecisionPlan(
                kind=Decision.Kind.EXEMPTION,
                ground=Decision.Ground.MEDICAL,
                component=code,
                reason=rng.choice(MEDICAL_REASONS).format(name=COMPONENT_NAMES_NL[code]),
                evidence_reference=f"SMA-{start.year}-{number:04d}",
                by_agency=True,
                decided_on=_day_after(rng, start, 60, 400),
            )
        )
    if examined and rng.random() < P_DIPLOMA:
        code = rng.choice(examined)
        decisions.append(
            DecisionPlan(
                kind=Decision.Kind.EXEMPTION,
                ground=Decision.Ground.DIPLOMA,
                component=code,
                reason=rng.choice(DIPLOMA_REASONS).format(name=COMPONENT_NAMES_NL[code]),
                evidence_reference=f"DIPL-{start.year}-{number:04d}",
                by_agency=True,
                decided_on=_day_after(rng, start, 30, 200),
            )
        )
    can_step_down = [code for code in LANGUAGE_COMPONENTS if code in requirement["step_down"]]
    if (
        plan.route == "B1"
        and can_step_down
        and start <= datetime.date(2025, 9, 30)
        and rng.random() < P_STEP_DOWN
    ):
        code = rng.choices(["SPR", "SCH", "LEZ", "LUI"], [5, 3, 1, 1])[0]
        hours = rng.randint(600, 760)
        decisions.append(
            DecisionPlan(
                kind=Decision.Kind.STEP_DOWN,
                component=code,
                by_agency=False,
                reason=(
                    f"Aanzienlijke inspanning: {hours} lesuren gevolgd, "
                    f"{COMPONENT_NAMES_NL[code]} B1 niet gehaald. Afgeschaald naar A2."
                ),
                decided_on=_day_after(rng, start, 420, 900),
            )
        )
    if term_end <= datetime.date(2026, 12, 31) and rng.random() < P_EXTENSION:
        ground = rng.choice([Decision.Ground.NOT_TO_BLAME, Decision.Ground.EFFORT])
        decisions.append(
            DecisionPlan(
                kind=Decision.Kind.TERM_EXTENSION,
                ground=ground,
                by_agency=True,
                extension_days=rng.choice([90, 120, 180, 182, 270, 365]),
                reason=rng.choice(EXTENSION_REASONS[ground]).format(hours=rng.randint(500, 700)),
                decided_on=min(
                    term_end - datetime.timedelta(days=rng.randint(20, 120)), LATEST_DECISION_DAY
                ),
            )
        )
    if rng.random() < P_ACCOMMODATION:
        needs, extra_minutes, reason = rng.choice(ACCOMMODATIONS)
        decisions.append(
            DecisionPlan(
                kind=Decision.Kind.ACCOMMODATION,
                needs=[str(need) for need in needs],
                extra_minutes=extra_minutes,
                reason=reason,
                by_agency=True,
                decided_on=_day_after(rng, start, 30, 300),
            )
        )
    return decisions


DEMO_ORDER = ["scheduling", "grading", "certificates"]


def discover_app_demos() -> list:
    """The `demo` modules of the installed apps above examens, in the order of the stack.

    Each has `seed(*, users: dict[str, User], stdout) -> dict[str, int]` (what it
    created, by name) and must be idempotent like this command.
    """
    modules = []
    for label in DEMO_ORDER:
        if not apps.is_installed(label):
            continue
        try:
            modules.append(importlib.import_module(f"{label}.demo"))
        except ModuleNotFoundError as error:
            if error.name != f"{label}.demo":
                raise
    return modules


class Command(BaseCommand):
    help = (
        "Seed a demo world: DUO, Utrecht, Amersfoort, Zeist, a provider, exam centres, staff "
        "with known logins and TOTP secrets, candidates and decisions. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--candidates",
            type=int,
            default=300,
            help="How many candidates to seed (default 300). The first N are always the same.",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Print nothing (no summary, no login table).",
        )

    def handle(self, *args, candidates: int, quiet: bool, **options) -> None:
        started = time.monotonic()
        self.created: Counter[str] = Counter()
        # One transaction: an interrupted seed leaves nothing half-written.
        with transaction.atomic():
            organisations = self._seed_organisations()
            self._seed_centres(organisations)
            users = self._seed_staff(organisations)
            self._seed_candidates(max(candidates, 0), organisations, users)
            # Higher apps (scheduling, grading, certificates) add their part of the
            # world from their own `demo.py`, found by name: examens imports none of them.
            for app_demo in discover_app_demos():
                out = io.StringIO() if quiet else self.stdout
                for what, count in app_demo.seed(users=users, stdout=out).items():
                    self.created[what] += count
        if quiet:
            return
        elapsed = time.monotonic() - started
        if self.created:
            summary = ", ".join(f"{count} {what}" for what, count in self.created.items())
            self.stdout.write(self.style.SUCCESS(f"Created {summary} in {elapsed:.1f}s."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing to create: the demo world is complete ({elapsed:.1f}s)."
                )
            )
        self._print_logins(users)

    # --- Organisations, centres, rooms ------------------------------------------------

    def _seed_organisations(self) -> dict[str, Organisation]:
        organisations = {
            AGENCY: self._organisation(AGENCY, Organisation.Kind.AGENCY),
            PROVIDER: self._organisation(PROVIDER, Organisation.Kind.PROVIDER),
        }
        for name, cbs_code, _ in MUNICIPALITIES:
            organisations[name] = self._organisation(
                name, Organisation.Kind.MUNICIPALITY, cbs_code=cbs_code
            )
        provider = organisations[PROVIDER]
        for name in PROVIDER_CONTRACTED_BY:
            municipality = organisations[name]
            if provider.contracted_by.filter(pk=municipality.pk).exists():
                continue
            with transaction.atomic():
                provider.contracted_by.add(municipality)
                record_event(
                    SYSTEM,
                    "examens.organisation.contracted",
                    provider,
                    data={
                        "provider": provider.pk,
                        "municipality": municipality.pk,
                        "municipality_name": municipality.name,
                    },
                )
            self.created["contracts"] += 1
        return organisations

    def _organisation(self, name: str, kind: str, *, cbs_code: str = "") -> Organisation:
        existing = Organisation.objects.filter(name=name).first()
        if existing is not None:
            return existing
        with transaction.atomic():
            organisation = Organisation.objects.create(name=name, kind=kind, cbs_code=cbs_code)
            # "cbs", not "cbs_code": audit masking hides every key containing "code".
            record_event(
                SYSTEM,
                "examens.organisation.created",
                organisation,
                data={
                    "name": name,
                    "kind": kind,
                    "cbs": cbs_code,
                },
            )
        self.created["organisations"] += 1
        return organisation

    def _seed_centres(self, organisations: dict[str, Organisation]) -> None:
        for name, kind, owner, address, city, rooms in CENTRES:
            organisation = organisations[owner]
            centre = ExamCentre.objects.filter(organisation=organisation, name=name).first()
            if centre is None:
                with transaction.atomic():
                    centre = ExamCentre.objects.create(
                        organisation=organisation,
                        name=name,
                        kind=kind,
                        address=address,
                        city=city,
                    )
                    record_event(
                        SYSTEM,
                        "examens.centre.created",
                        centre,
                        data={
                            "name": name,
                            "kind": kind,
                            "organisation": organisation.pk,
                            "address": address,
                            "city": city,
                        },
                    )
                self.created["exam centres"] += 1
            existing_rooms = set(centre.rooms.values_list("name", flat=True))
            for room_name, capacity, step_free, separate, large_screen, hearing_loop in rooms:
                if room_name in existing_rooms:
                    continue
                with transaction.atomic():
                    room = Room.objects.create(
                        centre=centre,
                        name=room_name,
                        capacity=capacity,
                        step_free=step_free,
                        separate_room=separate,
                        large_screen=large_screen,
                        hearing_loop=hearing_loop,
                    )
                    record_event(
                        SYSTEM,
                        "examens.room.created",
                        room,
                        data={
                            "centre": centre.pk,
                            "name": room_name,
                            "capacity": capacity,
                            "step_free": step_free,
                            "separate_room": separate,
                            "large_screen": large_screen,
                            "hearing_loop": hearing_loop,
                        },
                    )
                self.created["rooms"] += 1

    # --- Staff ------------------------------------------------------------------------

    def _seed_staff(self, organisations: dict[str, Organisation]) -> dict[str, User]:
        users = {}
        for username, first_name, last_name, owner, roles in STAFF:
            user = self._user(username, first_name, last_name)
            self._totp_device(user)
            for role in roles:
                grant_membership(user, actor=SYSTEM, organisation=organisations[owner], role=role)
            users[username] = user
        return users

    def _user(self, username: str, first_name: str, last_name: str) -> User:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            return existing
        superuser = username in SUPERUSERS
        with transaction.atomic():
            user = User.objects.create_user(
                username,
                email=f"{username}@demo.example.nl",
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                is_staff=superuser,
                is_superuser=superuser,
            )
            record_event(
                SYSTEM,
                "examens.user.created",
                user,
                data={
                    "username": username,
                    "is_staff": superuser,
                    "is_superuser": superuser,
                    "demo": True,
                },
            )
        self.created["users"] += 1
        return user

    def _totp_device(self, user: User) -> TOTPDevice:
        existing = TOTPDevice.objects.filter(user=user, name=TOTP_DEVICE_NAME).first()
        if existing is not None:
            return existing
        with transaction.atomic():
            device = TOTPDevice.objects.create(
                user=user,
                name=TOTP_DEVICE_NAME,
                key=totp_key_for(user.username),
                confirmed=True,
            )
            # The key itself stays out of the audit trail.
            record_event(
                SYSTEM,
                "examens.totp_device.created",
                device,
                data={
                    "user": user.pk,
                    "name": TOTP_DEVICE_NAME,
                    "confirmed": True,
                    "demo": True,
                },
            )
        self.created["TOTP devices"] += 1
        return device

    # --- Candidates and decisions -----------------------------------------------------

    def _seed_candidates(
        self, count: int, organisations: dict[str, Organisation], users: dict[str, User]
    ) -> None:
        routes = {
            (route.regime.code, route.code): route
            for route in Route.objects.select_related("regime").prefetch_related(
                "requirements__component"
            )
        }
        requirements = {
            key: {
                "required": {r.component.code for r in route.requirements.all() if not r.optional},
                "step_down": {
                    r.component.code for r in route.requirements.all() if r.step_down_level
                },
            }
            for key, route in routes.items()
        }
        components = {component.code: component for component in Component.objects.all()}
        plans = plan_candidates(count, requirements)
        existing = {
            candidate.bsn: candidate
            for candidate in Candidate.objects.filter(bsn__in=[plan.bsn for plan in plans])
        }
        decided = set(
            Decision.objects.filter(candidate__bsn__in=[plan.bsn for plan in plans]).values_list(
                "candidate__bsn", "kind", "component__code", "ground"
            )
        )
        agency = organisations[AGENCY]
        agency_officer = users[AGENCY_OFFICER]
        for plan in plans:
            municipality = organisations[plan.municipality]
            officer = users[MUNICIPAL_OFFICERS[plan.municipality]]
            candidate = existing.get(plan.bsn)
            if candidate is None:
                candidate = register_candidate(
                    actor=officer,
                    bsn=plan.bsn,
                    given_names=plan.given_names,
                    family_name=plan.family_name,
                    date_of_birth=plan.date_of_birth,
                    municipality=municipality,
                    route=routes[(plan.regime, plan.route)],
                    term_start=plan.term_start,
                    is_asylum_migrant=plan.is_asylum_migrant,
                    email=plan.email,
                    preferred_language=plan.preferred_language,
                )
                self.created["candidates"] += 1
            for decision in plan.decisions:
                key = (plan.bsn, decision.kind, decision.component, decision.ground)
                if key in decided:
                    continue
                record_decision(
                    candidate,
                    actor=agency_officer if decision.by_agency else officer,
                    organisation=agency if decision.by_agency else municipality,
                    kind=decision.kind,
                    reason=decision.reason,
                    decided_on=decision.decided_on,
                    component=components[decision.component] if decision.component else None,
                    ground=decision.ground,
                    extension_days=decision.extension_days,
                    extra_minutes=decision.extra_minutes,
                    needs=decision.needs,
                    evidence_reference=decision.evidence_reference,
                )
                decided.add(key)
                self.created["decisions"] += 1

    # --- Output -----------------------------------------------------------------------

    def _print_logins(self, users: dict[str, User]) -> None:
        memberships = Membership.objects.filter(user__in=users.values()).select_related(
            "organisation"
        )
        roles: dict[int, list[str]] = {}
        places: dict[int, set[str]] = {}
        for membership in memberships:
            roles.setdefault(membership.user_id, []).append(membership.role)
            places.setdefault(membership.user_id, set()).add(membership.organisation.name)
        devices = {
            device.user_id: device
            for device in TOTPDevice.objects.filter(user__in=users.values(), name=TOTP_DEVICE_NAME)
        }
        rows = [("username", "role(s)", "organisation", "password", "TOTP secret (base32)", "now")]
        for username, user in users.items():
            device = devices[user.pk]
            code = totp(
                device.bin_key,
                step=device.step,
                t0=device.t0,
                digits=device.digits,
                drift=device.drift,
            )
            rows.append(
                (
                    username,
                    ", ".join(sorted(roles.get(user.pk, [])))
                    + (" +superuser" if user.is_superuser else ""),
                    ", ".join(sorted(places.get(user.pk, set()))),
                    DEMO_PASSWORD,
                    base64.b32encode(device.bin_key).decode(),
                    f"{code:0{device.digits}d}",
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        for index, row in enumerate(rows):
            line = "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write(
            "Add the secret to an authenticator app, or type the 6-digit code shown "
            "(valid for about 30 seconds; run the command again for a fresh one)."
        )
