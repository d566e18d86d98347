"""Who and where the demo world is: organisations, exam centres, rooms and staff.

Pure data, no database: the registry seed (`demo.registry`) and the other
parts of the demo read it.
"""

from __future__ import annotations

import datetime

from examens.audit import SystemActor
from examens.models import ExamCentre, Role

SEED = 2026
# Who the audit trail names for what the demo writes itself and for the jobs it runs.
DEMO_SYSTEM = SystemActor("seed_demo")
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
    ("beheer.duo", "Pieter", "Jansen", AGENCY, [Role.ADMIN]),
    ("planner.duo", "Sanne", "de Vries", AGENCY, [Role.PLANNER]),
    ("examinator.duo", "Mohamed", "El Amrani", AGENCY, [Role.EXAMINER]),
    ("examinator2.duo", "Hanna", "Bos", AGENCY, [Role.EXAMINER]),
    ("examinator3.duo", "Daan", "Kuipers", AGENCY, [Role.EXAMINER]),
    ("medewerker.duo", "Ingrid", "Bakker", AGENCY, [Role.OFFICER]),
    ("beheer.utrecht", "Anouk", "Vermeulen", "Utrecht", [Role.ADMIN]),
    ("planner.utrecht", "Fleur", "van Dijk", "Utrecht", [Role.PLANNER]),
    ("ambtenaar.utrecht", "Kees", "Smit", "Utrecht", [Role.OFFICER]),
    ("examinator.utrecht", "Aylin", "Yilmaz", "Utrecht", [Role.EXAMINER]),
    ("beheer.amersfoort", "Bas", "Kok", "Amersfoort", [Role.ADMIN]),
    ("ambtenaar.amersfoort", "Marloes", "Visser", "Amersfoort", [Role.OFFICER]),
    ("beheer.zeist", "Eva", "Peters", "Zeist", [Role.ADMIN]),
    ("ambtenaar.zeist", "Jeroen", "Mulder", "Zeist", [Role.OFFICER]),
    ("beheer.taalcentrum", "Joost", "Willems", PROVIDER, [Role.ADMIN]),
    ("planner.taalcentrum", "Lotte", "Hendriks", PROVIDER, [Role.PLANNER]),
    ("examinator.taalcentrum", "Ruben", "de Graaf", PROVIDER, [Role.EXAMINER]),
]
SUPERUSERS = {"beheer.duo"}
# Each organisation's first administrator was appointed when it joined (outside the
# product: demo.history writes that membership); the administrator then grants
# every other membership and the organisation's examiner qualifications.
ADMINS = {
    AGENCY: "beheer.duo",
    "Utrecht": "beheer.utrecht",
    "Amersfoort": "beheer.amersfoort",
    "Zeist": "beheer.zeist",
    PROVIDER: "beheer.taalcentrum",
}
# Who plans and books at the centres of each organisation.
PLANNERS = {AGENCY: "planner.duo", "Utrecht": "planner.utrecht", PROVIDER: "planner.taalcentrum"}
AGENCY_OFFICER = "medewerker.duo"
MUNICIPAL_OFFICERS = {
    "Utrecht": "ambtenaar.utrecht",
    "Amersfoort": "ambtenaar.amersfoort",
    "Zeist": "ambtenaar.zeist",
}
