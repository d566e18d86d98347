"""The demo's candidates and their decisions: drawn from one seed, registered through services.

Deterministic: everything is drawn from `random.Random(SEED)`, one candidate
after the other, so candidate `i` is the same whatever `--candidates` says.
Idempotent: a candidate is looked up by BSN, a decision by (kind, component,
ground), before it is made. Candidates are registered by their municipality's
officer; exemptions, term extensions and accommodations are decided by the
agency's officer, step-downs by the municipality's officer.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from stdnum.nl import bsn as stdnum_bsn

from examens.models import Candidate, Component, Decision, Organisation, Route, User
from examens.services import add_years, record_decision, register_candidate

from .names import (
    ACCOMMODATIONS,
    COMPONENT_NAMES_NL,
    DIPLOMA_REASONS,
    EXAMINED_CENTRALLY,
    EXTENSION_REASONS,
    LANGUAGE_COMPONENTS,
    MEDICAL_REASONS,
    ORIGINS,
    P_ACCOMMODATION,
    P_DIPLOMA,
    P_EXTENSION,
    P_MEDICAL,
    P_STEP_DOWN,
)
from .world import (
    AGENCY,
    AGENCY_OFFICER,
    LATEST_DECISION_DAY,
    MUNICIPAL_OFFICERS,
    MUNICIPALITIES,
    SEED,
    TERM_START_FIRST,
    TERM_START_LAST,
)


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
    postal_address: str = ""
    decisions: list[DecisionPlan] = field(default_factory=list)


def _random_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def draw_bsn(rng: random.Random, taken: set[str]) -> str:
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
    rng = random.Random(SEED)  # a reproducible world, not secrets  # nosec B311
    taken: set[str] = set()
    origin_weights = [origin[0] for origin in ORIGINS]
    municipality_names = [name for name, _, _ in MUNICIPALITIES]
    municipality_weights = [share for _, _, share in MUNICIPALITIES]
    plans = []
    for number in range(1, count + 1):
        bsn = draw_bsn(rng, taken)
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
        if not email and number % 4:
            # Without e-mail the invitation goes by post (decision 0029); every fourth such
            # candidate has no address either, so the letters page shows that case too.
            plan.postal_address = f"Stationsstraat {number}\n{1000 + number:04d} AB {municipality}"
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


def seed_candidates(
    count: int,
    *,
    organisations: dict[str, Organisation],
    users: dict[str, User],
    created: Counter[str],
) -> None:
    """Register the first `count` planned candidates and their decisions (see the module)."""
    routes = {
        (route.regime.code, route.code): route
        for route in Route.objects.select_related("regime").prefetch_related(
            "requirements__component"
        )
    }
    requirements = {
        key: {
            "required": {r.component.code for r in route.requirements.all() if not r.optional},
            "step_down": {r.component.code for r in route.requirements.all() if r.step_down_level},
        }
        for key, route in routes.items()
    }
    components = {component.code: component for component in Component.objects.all()}
    plans = plan_candidates(count, requirements)
    existing = {
        candidate.bsn: candidate
        for candidate in Candidate.objects.filter(bsn__in=[plan.bsn for plan in plans])
    }
    decided: set[tuple[str, str, str | None, str]] = set(
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
                postal_address=plan.postal_address,
                preferred_language=plan.preferred_language,
            )
            created["candidates"] += 1
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
            created["decisions"] += 1
