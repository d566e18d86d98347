"""Grading's progress rule in bulk: set-based querysets over many candidates.

`grading.selectors.candidate_progress` is the rule for one candidate; this
module states the same rule as SQL so that monitoring (overview, at-risk
list) and capacity can ask it of 300,000 candidates in a constant number of
queries. The semantics are those of `candidate_progress`, and the property
test in tests/grading/test_progress_sets.py holds them equal:

- an active (not withdrawn) exemption of the component, or of the whole
  obligation, makes a requirement "exempted";
- an active step-down lowers the level required; when several are active,
  the one `candidate_progress` ends on (earliest decided, lowest pk) counts;
- only released, current result versions with a passing outcome count, at a
  level at least the level required (an empty required level is met by any);
- the first such result (by sitting date, then pk) decides "passed" (at the
  original level) or "stepped_down_passed";
- attempts used: bookings that counted as an attempt (checked in or no-show)
  plus current sign-offs without a booking;
- optional requirements never block completeness.
"""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from examens.models import Candidate, Decision, RouteRequirement
from scheduling.models import Booking

from .models import Result
from .scoring import LEVEL_ORDER
from .selectors import (
    ATTEMPT_STATUSES,
    STATUS_EXEMPTED,
    STATUS_OUTSTANDING,
    STATUS_PASSED,
    STATUS_STEPPED_DOWN_PASSED,
)

__all__ = [
    "annotate_progress",
    "outstanding_requirements",
    "progress_rows",
]


def _rank_of(expression) -> Case:
    return Case(
        *(When(Q((expression, level)), then=Value(i)) for i, level in enumerate(LEVEL_ORDER)),
        default=Value(-1),
        output_field=IntegerField(),
    )


def _requirement_expressions(*, candidate, component, requirement_level, effective_rank):
    """Expressions for one (candidate, requirement), given references to both.

    `candidate`, `component`, `requirement_level` are OuterRef-style references
    into the query that holds the requirement; `effective_rank` is the name of
    that query's annotation with the rank of the effective level (filled in a
    second step, since a subquery cannot refer to an annotation of its own
    query before it exists).
    """
    step_down_level = Subquery(
        Decision.objects.filter(
            candidate=candidate,
            component=component,
            kind=Decision.Kind.STEP_DOWN,
            withdrawn_at__isnull=True,
        )
        .order_by("decided_on", "pk")
        .values("level")[:1],
        output_field=CharField(),
    )
    # The rank of that level, as its own subquery: one lookup per requirement rather
    # than one per level the rank's CASE compares with.
    step_down_rank = Subquery(
        Decision.objects.filter(
            candidate=candidate,
            component=component,
            kind=Decision.Kind.STEP_DOWN,
            withdrawn_at__isnull=True,
        )
        .order_by("decided_on", "pk")
        .annotate(rank=_rank_of("level"))
        .values("rank")[:1],
        output_field=IntegerField(),
    )
    exempted = Exists(
        Decision.objects.filter(
            Q(component__isnull=True) | Q(component=component),
            candidate=candidate,
            kind=Decision.Kind.EXEMPTION,
            withdrawn_at__isnull=True,
        )
    )
    attempts = Subquery(
        Booking.objects.filter(
            candidate=candidate,
            component=component,
            counts_as_attempt=True,
            status__in=ATTEMPT_STATUSES,
        )
        .order_by()
        .values("candidate")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    sign_offs = Subquery(
        Result.objects.filter(
            candidate=candidate, component=component, booking__isnull=True, is_current=True
        )
        .order_by()
        .values("candidate")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    first_pass_rank = Subquery(
        Result.objects.filter(
            candidate=candidate,
            component=component,
            is_current=True,
            status=Result.Status.RELEASED,
            outcome__in=Result.PASSING_OUTCOMES,
        )
        .annotate(rank=_rank_of("level"))
        .filter(rank__gte=OuterRef(effective_rank))
        .order_by("sat_on", "pk")
        .values("rank")[:1],
        output_field=IntegerField(),
    )
    return {
        "step_down_level": step_down_level,
        "step_down_rank": step_down_rank,
        "exempted": exempted,
        "attempts": Coalesce(attempts, 0) + Coalesce(sign_offs, 0),
        "first_pass_rank": first_pass_rank,
        "requirement_rank": _rank_of(requirement_level),
    }


def _status_case() -> Case:
    return Case(
        When(is_exempted=True, then=Value(STATUS_EXEMPTED)),
        When(
            first_pass_rank__isnull=False,
            first_pass_rank__gte=F("requirement_rank"),
            then=Value(STATUS_PASSED),
        ),
        When(first_pass_rank__isnull=False, then=Value(STATUS_STEPPED_DOWN_PASSED)),
        default=Value(STATUS_OUTSTANDING),
        output_field=CharField(),
    )


def _requirement_rows(candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """Each candidate joined to the requirements of its route: one row per pair."""
    return candidates.annotate(
        candidate_id=F("pk"),
        requirement_id=F("route__requirements__pk"),
        component_id=F("route__requirements__component_id"),
        component_code=F("route__requirements__component__code"),
        required_level=F("route__requirements__level"),
        optional=F("route__requirements__optional"),
    ).filter(requirement_id__isnull=False)


ROW_FIELDS = (
    "candidate_id",
    "requirement_id",
    "component_id",
    "component_code",
    "required_level",
    "level",
    "optional",
    "status",
    "attempts_used",
    "term_start",
    "term_end",
    "municipality_id",
)


def progress_rows(candidates: QuerySet[Candidate]) -> QuerySet:
    """One row per (candidate, requirement of the candidate's route), with its status.

    Rows are dicts with: candidate_id, requirement_id, component_id,
    component_code, required_level (the route's), level (after any step-down),
    optional, status (passed | exempted | stepped_down_passed | outstanding),
    attempts_used, term_start, term_end, municipality_id. Read-only, one query.
    """
    rows = _requirement_rows(candidates)
    expr = _requirement_expressions(
        candidate=OuterRef("pk"),
        component=OuterRef("component_id"),
        requirement_level="required_level",
        effective_rank="effective_rank",
    )
    rows = rows.annotate(
        level=Coalesce(expr["step_down_level"], F("required_level"), output_field=CharField()),
    )
    rows = rows.annotate(
        effective_rank=Coalesce(expr["step_down_rank"], _rank_of("required_level")),
        requirement_rank=expr["requirement_rank"],
        is_exempted=expr["exempted"],
        attempts_used=expr["attempts"],
    )
    rows = rows.annotate(first_pass_rank=expr["first_pass_rank"])
    rows = rows.annotate(status=_status_case())
    return rows.values(*ROW_FIELDS).order_by("candidate_id", "component_code")


def outstanding_requirements(
    candidates: QuerySet[Candidate], *, include_optional: bool = False
) -> QuerySet:
    """The (candidate, requirement) rows still outstanding, optional ones left out by default.

    Same rows as `progress_rows(...).filter(status="outstanding")` (the property test
    holds them equal), stated so that the database can answer it for every candidate
    at once (decision 0018): "outstanding" is "not exempted and no passing result at
    the level required", each a top-level NOT EXISTS that PostgreSQL runs as a hash
    anti-join, instead of filtering on the status CASE, whose scalar subqueries run
    once per row and nest the step-down lookup inside the result lookup. The step-down
    lookup itself only runs for candidates in the (hashed) set of those with an
    active step-down; everyone else's level is the route's.

    Same row shape as `progress_rows` (candidate_id, component_id, level,
    term_end, attempts_used, ...). Read-only, one query.
    """
    rows = _requirement_rows(candidates)
    if not include_optional:
        rows = rows.filter(optional=False)  # type: ignore[misc]  # the annotation above
    expr = _requirement_expressions(
        candidate=OuterRef("pk"),
        component=OuterRef("component_id"),
        requirement_level="required_level",
        effective_rank="effective_rank",
    )
    stepped_down = Q(
        pk__in=Decision.objects.filter(
            kind=Decision.Kind.STEP_DOWN, withdrawn_at__isnull=True
        ).values("candidate_id")
    )
    level = Coalesce(expr["step_down_level"], F("required_level"), output_field=CharField())
    rows = rows.annotate(
        level=Case(
            When(stepped_down, then=level), default=F("required_level"), output_field=CharField()
        ),
        effective_rank=Case(
            When(
                stepped_down,
                then=Coalesce(expr["step_down_rank"], expr["requirement_rank"]),
            ),
            default=expr["requirement_rank"],
            output_field=IntegerField(),
        ),
    )
    exempted = Decision.objects.filter(
        candidate=OuterRef("pk"), kind=Decision.Kind.EXEMPTION, withdrawn_at__isnull=True
    )
    passed = (
        Result.objects.filter(
            candidate=OuterRef("pk"),
            component=OuterRef("component_id"),
            is_current=True,
            status=Result.Status.RELEASED,
            outcome__in=Result.PASSING_OUTCOMES,
        )
        .annotate(rank=_rank_of("level"))
        .filter(rank__gte=OuterRef("effective_rank"))
    )
    rows = (
        rows.exclude(Exists(exempted.filter(component__isnull=True)))
        .exclude(Exists(exempted.filter(component=OuterRef("component_id"))))
        .exclude(Exists(passed))
    )
    rows = rows.annotate(
        status=Value(STATUS_OUTSTANDING, output_field=CharField()),
        attempts_used=expr["attempts"],
    )
    return rows.values(*ROW_FIELDS).order_by("candidate_id", "component_code")


def _requirement_status_subquery() -> QuerySet:
    """The candidate's route requirements with their status, as a subquery on Candidate."""
    expr = _requirement_expressions(
        candidate=OuterRef(OuterRef("pk")),
        component=OuterRef("component_id"),
        requirement_level="level",
        effective_rank="effective_rank",
    )
    return (
        RouteRequirement.objects.filter(route=OuterRef("route_id"))
        .order_by()
        .annotate(
            effective_level=Coalesce(expr["step_down_level"], F("level"), output_field=CharField())
        )
        .annotate(
            effective_rank=Coalesce(expr["step_down_rank"], _rank_of("level")),
            requirement_rank=expr["requirement_rank"],
            is_exempted=expr["exempted"],
        )
        .annotate(first_pass_rank=expr["first_pass_rank"])
        .annotate(status=_status_case())
    )


def _count_of(qs: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(
            qs.values("route").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def annotate_progress(candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """Annotate each candidate with its route's progress counts and completeness.

    Adds: requirements_total, requirements_outstanding (blocking, i.e. not
    optional), requirements_passed (passed or stepped_down_passed),
    requirements_exempted, whole_exemption (an active exemption of the whole
    obligation) and route_complete (has requirements and none blocking
    outstanding), exactly as `candidate_progress(...).complete`. One query.
    """
    requirements = _requirement_status_subquery()
    passed = (STATUS_PASSED, STATUS_STEPPED_DOWN_PASSED)
    return candidates.annotate(
        requirements_total=_count_of(requirements),
        requirements_outstanding=_count_of(
            requirements.filter(status=STATUS_OUTSTANDING, optional=False)
        ),
        requirements_passed=_count_of(requirements.filter(status__in=passed)),
        requirements_exempted=_count_of(requirements.filter(status=STATUS_EXEMPTED)),
        whole_exemption=Exists(
            Decision.objects.filter(
                candidate=OuterRef("pk"),
                component__isnull=True,
                kind=Decision.Kind.EXEMPTION,
                withdrawn_at__isnull=True,
            )
        ),
    ).annotate(
        route_complete=Case(
            When(
                requirements_total__gt=0,
                requirements_outstanding=0,
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
