"""The cohorts since 2013: history for the municipality's overview on first start.

Runs after the grading part. Each year from 2013 has a small cohort in every demo
municipality: Wi2013 (A2) up to 2021, Wi2021 (B1, education route, Z-route) from
2022, asylum and family migrants. Of each cohort some completed their route, some
were exempted as a whole (medical), the others let their term expire; the present
candidates (`demo.candidates`) are the ones in progress and at risk. The catalogue
holds only the current exam versions, so the old cohorts completed through what
needs none: diploma exemptions of the examined components (decided by DUO) and
the sign-offs of the participation components (by the municipality's or the
contracted provider's examiner). Registered, decided and signed off through the
services; idempotent (a candidate is looked up by BSN, and a cohort candidate
already registered is left as it is).
"""

from __future__ import annotations

import datetime
import random

from examens.models import Candidate, Component, Decision, Organisation, Route, User
from examens.services import record_decision, register_candidate
from grading.services import sign_off_component

from .candidates import draw_bsn
from .names import ORIGINS
from .results import examiners_by_organisation, grant_to, signer_for
from .world import ADMINS, AGENCY, AGENCY_OFFICER, MUNICIPAL_OFFICERS, SEED

FIRST_COHORT = 2013
LAST_COHORT = 2022
# One candidate a year per municipality for every 75 present ones (`--candidates`):
# the default 300 give four; the small worlds of the tests none or one.
PRESENT_PER_COHORT_CANDIDATE = 75
# By position in the cohort: what became of the candidate.
FATES = ("completed", "exempted", "expired", "expired")
WI2021_ROUTES = ("B1", "EDU", "Z")


def plan(year: int, municipality: str, index: int, rng: random.Random, taken: set[str]) -> dict:
    _, asylum_chance, female, male, families = rng.choices(ORIGINS, [o[0] for o in ORIGINS])[0]
    return {
        "bsn": draw_bsn(rng, taken),
        "given_names": rng.choice(female if rng.random() < 0.52 else male),
        "family_name": rng.choice(families),
        "date_of_birth": datetime.date(year - rng.randint(20, 50), rng.randint(1, 12), 1 + index),
        "municipality": municipality,
        "regime": "WI2013" if year < 2022 else "WI2021",
        "route": "A2" if year < 2022 else WI2021_ROUTES[index % len(WI2021_ROUTES)],
        "term_start": datetime.date(year, 1 + (index * 3) % 12, 1 + (index * 7) % 28),
        "is_asylum_migrant": index % 2 == 0 or rng.random() < asylum_chance,
        "fate": FATES[index % len(FATES)],
    }


def seed(*, users: dict[str, User], present: int) -> dict[str, int]:
    """The old cohorts for a world of `present` present candidates (see the module)."""
    per_municipality = max(present, 0) // PRESENT_PER_COHORT_CANDIDATE
    rng = random.Random(SEED * 10 + 13)  # noqa: S311 - a reproducible history  # nosec B311
    taken: set[str] = set()  # drawn apart from the present candidates' seed
    plans = [
        plan(year, municipality, number * per_municipality + index, rng, taken)
        for year in range(FIRST_COHORT, LAST_COHORT + 1)
        for number, municipality in enumerate(MUNICIPAL_OFFICERS)
        for index in range(per_municipality)
    ]
    existing = set(
        Candidate.objects.filter(bsn__in=[p["bsn"] for p in plans]).values_list("bsn", flat=True)
    )
    organisations = {o.name: o for o in Organisation.objects.all()}
    routes = {(r.regime.code, r.code): r for r in Route.objects.select_related("regime")}
    components = {c.code: c for c in Component.objects.all()}
    examiners = examiners_by_organisation(users)
    counts = {
        "cohort candidates": 0,
        "cohort decisions": 0,
        "cohort sign-offs": 0,
        "qualifications": 0,
    }
    for entry in plans:
        if entry["bsn"] in existing:
            continue
        municipality = organisations[entry["municipality"]]
        candidate = register_candidate(
            actor=users[MUNICIPAL_OFFICERS[entry["municipality"]]],
            bsn=entry["bsn"],
            given_names=entry["given_names"],
            family_name=entry["family_name"],
            date_of_birth=entry["date_of_birth"],
            municipality=municipality,
            route=routes[(entry["regime"], entry["route"])],
            term_start=entry["term_start"],
            is_asylum_migrant=entry["is_asylum_migrant"],
        )
        counts["cohort candidates"] += 1
        if entry["fate"] == "exempted":
            _decide(candidate, users, organisations, component=None, ground="medical")
            counts["cohort decisions"] += 1
        elif entry["fate"] == "completed":
            counts["cohort decisions"] += _complete(
                candidate, users, organisations, components, examiners, counts
            )
    return {what: n for what, n in counts.items() if n}


def _decide(candidate, users, organisations, *, component, ground: str) -> None:
    start = candidate.term_start
    record_decision(
        candidate,
        actor=users[AGENCY_OFFICER],
        organisation=organisations[AGENCY],
        kind=Decision.Kind.EXEMPTION,
        ground=ground,
        component=component,
        reason=(
            "Medisch advies: ontheffing van de hele inburgeringsplicht."
            if component is None
            else f"NT2-diploma dekt {component.code}."
        ),
        decided_on=start + datetime.timedelta(days=200),
        evidence_reference=f"HIST-{start.year}-{candidate.pk}",
    )


def _complete(candidate, users, organisations, components, examiners, counts) -> int:
    """Diploma exemptions of the examined components, sign-offs of the others."""
    decided = 0
    found = signer_for(candidate, examiners)
    requirements = candidate.route.requirements.filter(optional=False).select_related("component")
    for requirement in requirements:
        component = requirement.component
        if component.assessment != Component.Assessment.SIGN_OFF:
            _decide(candidate, users, organisations, component=component, ground="diploma")
            decided += 1
        elif found is not None:
            signer, organisation_id = found
            organisation = Organisation.objects.get(pk=organisation_id)
            admin = users[ADMINS[organisation.name]]
            grant_to(
                signer, admin=admin, component=component, organisation=organisation, counts=counts
            )
            done = candidate.term_start + datetime.timedelta(days=700)
            sign_off_component(
                candidate,
                actor=signer,
                component=component,
                completed=True,
                evidence={
                    "hours": 48,
                    "started_on": (done - datetime.timedelta(days=120)).isoformat(),
                    "ended_on": done.isoformat(),
                    "declaration_reference": f"PVT-HIST-{candidate.term_start.year}",
                },
                completed_on=done,
            )
            counts["cohort sign-offs"] += 1
    return decided
