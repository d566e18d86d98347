"""Reads of grading that views and other apps rely on.

`candidate_progress` is THE one place that decides whether a candidate's
route is complete; certificates calls it and must not decide on its own.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from examens.models import Candidate, Decision, RouteRequirement
from scheduling.models import Booking, ExamSession

from .models import Rating, Result
from .scoring import level_at_least

STATUS_PASSED = "passed"
STATUS_EXEMPTED = "exempted"
STATUS_STEPPED_DOWN_PASSED = "stepped_down_passed"
STATUS_OUTSTANDING = "outstanding"

# A sitting used an attempt when the candidate sat (checked in) or did not
# come (no-show). Refused at the door, cancelled: no attempt.
ATTEMPT_STATUSES = (Booking.Status.CHECKED_IN, Booking.Status.NO_SHOW)


@dataclass(frozen=True)
class ProgressItem:
    component_code: str
    component_name_nl: str
    component_name_en: str
    level: str  # the level required, or the level stepped down to
    status: str  # passed | exempted | stepped_down_passed | outstanding
    attempts_used: int
    result_id: int | None
    scale_score: int | None
    passed_on: datetime.date | None
    optional: bool = False


@dataclass(frozen=True)
class Progress:
    complete: bool
    term_end: datetime.date
    items: list[ProgressItem] = field(default_factory=list)


def candidate_progress(candidate: Candidate) -> Progress:
    """Each requirement of the candidate's route against released, current results.

    Rules: an active exemption (for the component, or for the whole
    obligation) makes a requirement "exempted", never "passed". An active
    step-down lowers the level required to the step-down level; a pass at
    that lower level is "stepped_down_passed", a pass at the original level
    stays "passed". Only released current result versions count (a corrected
    pass that became a fail no longer counts). A result passes a requirement
    when its outcome is passed/completed and its level meets the level
    required. Optional requirements never block completeness. Read-only;
    a handful of queries whatever the history.
    """
    return candidates_progress([candidate])[candidate.pk]


def candidates_progress(candidates: Iterable[Candidate]) -> dict[int, Progress]:
    """`candidate_progress` of each candidate (by pk): the same rule, asked at once.

    Five queries however many candidates (a page of an API list), none when
    there are none. Read-only.
    """
    people = list(candidates)
    ids = [c.pk for c in people]
    if not ids:
        return {}
    requirements: dict[int, list[RouteRequirement]] = defaultdict(list)
    for requirement in (
        RouteRequirement.objects.filter(route_id__in={c.route_id for c in people})
        .select_related("component")
        .order_by("component__code")
    ):
        requirements[requirement.route_id].append(requirement)
    decisions: dict[int, list[Decision]] = defaultdict(list)
    # The model's order (newest first): when several step-downs are active, the
    # earliest decided is the one the loop below ends on.
    for decision in Decision.objects.filter(
        candidate_id__in=ids,
        withdrawn_at__isnull=True,
        kind__in=(Decision.Kind.EXEMPTION, Decision.Kind.STEP_DOWN),
    ):
        decisions[decision.candidate_id].append(decision)
    results: dict[int, dict[int, list[Result]]] = defaultdict(dict)
    for result in Result.objects.filter(
        candidate_id__in=ids, is_current=True, status=Result.Status.RELEASED
    ).order_by("sat_on", "pk"):
        results[result.candidate_id].setdefault(result.component_id, []).append(result)
    attempts: dict[int, Counter[int]] = defaultdict(Counter)
    for candidate_id, component_id, n in (
        Booking.objects.filter(
            candidate_id__in=ids, counts_as_attempt=True, status__in=ATTEMPT_STATUSES
        )
        .values_list("candidate_id", "component_id")
        .annotate(n=Count("pk"))
    ):
        attempts[candidate_id][component_id] += n
    for candidate_id, component_id, n in (
        Result.objects.filter(candidate_id__in=ids, booking__isnull=True, is_current=True)
        .values_list("candidate_id", "component_id")
        .annotate(n=Count("pk"))
    ):
        attempts[candidate_id][component_id] += n  # a sign-off counts as an attempt
    return {
        c.pk: _progress(
            c,
            requirements[c.route_id],
            decisions[c.pk],
            results[c.pk],
            attempts[c.pk],
        )
        for c in people
    }


def _progress(
    candidate: Candidate,
    requirements: list[RouteRequirement],
    decisions: list[Decision],
    results: dict[int, list[Result]],
    attempts: Counter[int],
) -> Progress:
    """The rule of `candidate_progress` over one candidate's rows, already read."""
    whole_exemption = any(
        d.kind == Decision.Kind.EXEMPTION and d.component_id is None for d in decisions
    )
    exempted = {
        d.component_id for d in decisions if d.kind == Decision.Kind.EXEMPTION and d.component_id
    }
    stepped_down = {d.component_id: d.level for d in decisions if d.kind == Decision.Kind.STEP_DOWN}

    items = []
    for requirement in requirements:
        component = requirement.component
        step_level = stepped_down.get(component.pk, "")
        level = step_level or requirement.level
        own = results.get(component.pk, [])
        passing = [
            r
            for r in own
            if r.outcome in Result.PASSING_OUTCOMES and level_at_least(r.level, level)
        ]
        chosen = passing[0] if passing else (own[-1] if own else None)
        if whole_exemption or component.pk in exempted:
            status = STATUS_EXEMPTED
        elif passing:
            at_original = level_at_least(passing[0].level, requirement.level)
            status = STATUS_PASSED if at_original else STATUS_STEPPED_DOWN_PASSED
        else:
            status = STATUS_OUTSTANDING
        items.append(
            ProgressItem(
                component_code=component.code,
                component_name_nl=component.name_nl,
                component_name_en=component.name_en,
                level=level,
                status=status,
                attempts_used=attempts[component.pk],
                result_id=chosen.pk if chosen else None,
                scale_score=chosen.scale_score if chosen else None,
                passed_on=passing[0].sat_on if passing else None,
                optional=requirement.optional,
            )
        )
    complete = bool(items) and all(
        item.optional or item.status != STATUS_OUTSTANDING for item in items
    )
    return Progress(complete=complete, term_end=candidate.term_end, items=items)


# --- worklists and screens --------------------------------------------------------------


def result_history(result: Result) -> list[Result]:
    """Every version of the result for the same attempt (or sign-off chain), newest first."""
    if result.booking_id:
        qs = Result.objects.filter(booking_id=result.booking_id)
    else:
        chain = {result.pk}
        current = result
        while current.corrects is not None:
            current = current.corrects
            chain.add(current.pk)
        current = result
        while True:
            newer = Result.objects.filter(corrects=current).first()
            if newer is None:
                break
            chain.add(newer.pk)
            current = newer
        qs = Result.objects.filter(pk__in=chain)
    return list(qs.select_related("created_by", "released_by").order_by("-version", "-pk"))


def ratings_visible_to(user, booking: Booking) -> QuerySet[Rating]:
    """Blind double rating: a rater sees only their own rating until the first two are in.

    After both independent ratings are in, the adjudicator (and coordinators)
    see all. Before that, each rater sees only what they entered.
    """
    ratings = Rating.objects.filter(booking=booking).select_related("rater")
    independent = ratings.filter(kind__in=(Rating.Kind.FIRST, Rating.Kind.SECOND)).count()
    if independent >= max(booking.component.raters_required, 1):
        return ratings.order_by("pk")
    return ratings.filter(rater=user).order_by("pk")


def session_results(session: ExamSession) -> list[dict]:
    """The release screen: each booking of the session, its current result, what is missing."""
    bookings = (
        Booking.objects.filter(session=session)
        .exclude(status__in=(Booking.Status.CANCELLED, Booking.Status.SESSION_CANCELLED))
        .select_related("candidate", "component")
        .annotate(
            ratings_in=Count("ratings", filter=Q(ratings__kind__in=("first", "second"))),
        )
        .order_by("candidate__family_name", "pk")
    )
    current = {
        r.booking_id: r for r in Result.objects.filter(booking__session=session, is_current=True)
    }
    rows = []
    for booking in bookings:
        result = current.get(booking.pk)
        if result is not None:
            missing = ""
        elif booking.status == Booking.Status.BOOKED:
            missing = "attendance"
        elif booking.component.assessment == "rated":
            missing = "ratings"
        else:
            missing = "score"
        rows.append({"booking": booking, "result": result, "missing": missing})
    return rows
