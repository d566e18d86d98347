"""The at-risk list: visible candidates who match an active at-risk rule (decision 0022).

Everything is computed in the database, in a constant number of queries whatever the
number of candidates: the rules (one query), the count and the page (the paginator's
two), and the outstanding components of the candidates on the page (one). Progress is
grading's rule in bulk (`grading.progress_sets`), so a candidate's outstanding
requirements and attempts agree with `grading.selectors.candidate_progress`.

Every rule asks for a blocking requirement outstanding (a candidate who finished, or
is exempted from everything, is not at risk):

- term_ending_outstanding (N months): the term ends today or within N months;
- term_expired: the term ended before today (the home page's short list missed them);
- no_attempt (M months): the term started at least M months ago, no attempt at a
  route component since M months ago, and no seat booked (a booked sitting is an
  attempt on its way);
- failed_in_a_row (K): at an outstanding component, the K latest attempts failed
  (failed, not completed or no-show), with no other attempt after them; an attempt
  whose result is not out yet ends the run.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
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
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.db.models.lookups import LessThan
from django.utils import timezone

from examens.models import Candidate, Role, RouteRequirement, User
from examens.permissions import visible_candidates
from grading.models import Result
from grading.progress_sets import annotate_progress, outstanding_requirements
from grading.selectors import ATTEMPT_STATUSES
from scheduling.models import Booking

from .at_risk_models import AtRiskRule

AT_RISK_ROLES = frozenset({Role.OFFICER})
FAILED_OUTCOMES = (Result.Outcome.FAILED, Result.Outcome.NOT_COMPLETED, Result.Outcome.NO_SHOW)
# GET `sort` values and their ORDER BY; "-" in front sorts descending. The last key
# (pk) makes the order total, so pages never overlap.
SORTS: dict[str, tuple[str, ...]] = {
    "term_end": ("term_end", "family_name", "given_names", "pk"),
    "-term_end": ("-term_end", "family_name", "given_names", "pk"),
    "name": ("family_name", "given_names", "pk"),
    "-name": ("-family_name", "-given_names", "-pk"),
    "attempts": ("attempts_used", "term_end", "pk"),
    "-attempts": ("-attempts_used", "term_end", "pk"),
}
DEFAULT_SORT = "term_end"


@dataclass(frozen=True)
class AtRiskQuery:
    """What the list is narrowed to: one rule (its pk), a regime code, a route pk."""

    rule: int | None = None
    regime: str = ""
    route: int | None = None
    sort: str = DEFAULT_SORT


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by `months` (negative: back), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def active_rules() -> list[AtRiskRule]:
    return list(AtRiskRule.objects.filter(active=True).order_by("pk"))


def rule_field(rule: AtRiskRule) -> str:
    """The annotation that tells whether a candidate matches `rule`."""
    return f"matches_rule_{rule.pk}"


# --- the expressions ------------------------------------------------------------------------


def _route_components():
    return RouteRequirement.objects.filter(route=OuterRef(OuterRef("route_id"))).values(
        "component_id"
    )


def _attempt_bookings() -> QuerySet[Booking]:
    return Booking.objects.filter(counts_as_attempt=True, status__in=ATTEMPT_STATUSES)


def _count(qs: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(
            qs.order_by().values("candidate").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _attempts_used() -> Combinable:
    """Attempts at the route's components: bookings that counted plus sign-offs, as
    `candidate_progress` adds them up per requirement."""
    bookings = _attempt_bookings().filter(
        candidate=OuterRef("pk"), component_id__in=_route_components()
    )
    sign_offs = Result.objects.filter(
        candidate=OuterRef("pk"),
        booking__isnull=True,
        is_current=True,
        component_id__in=_route_components(),
    )
    return _count(bookings) + _count(sign_offs)


def _last_attempt_on():
    """The local date of the latest attempt at a route component (None: none yet)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    sat = Subquery(
        _attempt_bookings()
        .filter(candidate=OuterRef("pk"), component_id__in=_route_components())
        .annotate(on=TruncDate("session__starts_at", tzinfo=zone))
        .order_by("-on")
        .values("on")[:1],
        output_field=DateField(),
    )
    signed = Subquery(
        Result.objects.filter(
            candidate=OuterRef("pk"),
            booking__isnull=True,
            is_current=True,
            component_id__in=_route_components(),
        )
        .order_by("-sat_on")
        .values("sat_on")[:1],
        output_field=DateField(),
    )
    # Greatest is NULL when either is on some databases: give each the other as default.
    return Greatest(Coalesce(sat, signed), Coalesce(signed, sat), output_field=DateField())


def _failed() -> Combinable:
    """A booking (the query's own row) that used an attempt and failed."""
    return Q(status=Booking.Status.NO_SHOW) | Exists(
        Result.objects.filter(
            booking=OuterRef("pk"),
            is_current=True,
            status=Result.Status.RELEASED,
            outcome__in=FAILED_OUTCOMES,
        )
    )


def _failed_in_a_row(k: int) -> Exists:
    """At an outstanding component, the `k` latest attempts all failed."""
    last_other = Subquery(
        _attempt_bookings()
        .filter(candidate=OuterRef("candidate_id"), component=OuterRef("component_id"))
        .exclude(_failed())
        .order_by("-session__starts_at")
        .values("session__starts_at")[:1]
    )
    run = (
        _attempt_bookings()
        .filter(candidate=OuterRef("pk"))
        .filter(_failed())
        .annotate(last_other=last_other)
        .filter(Q(last_other__isnull=True) | Q(session__starts_at__gt=F("last_other")))
        .order_by()
        .values("candidate_id", "component_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=k)
    )
    # The outstanding check sits on the grouped rows (a subquery per component).
    return Exists(run.filter(Exists(_outstanding_component())))


def _outstanding_component() -> QuerySet:
    """Whether the component of the grouped booking row is outstanding for its candidate."""
    return outstanding_requirements(Candidate.objects.filter(pk=OuterRef("candidate_id"))).filter(
        component_id=OuterRef("component_id")
    )


def _open_booking() -> Exists:
    return Exists(Booking.objects.filter(candidate=OuterRef("pk"), status=Booking.Status.BOOKED))


def rule_condition(rule: AtRiskRule, *, today: datetime.date) -> Q | Combinable:
    """The condition of `rule` on a candidate annotated by grading's `annotate_progress`
    (so on one annotated by `annotate_at_risk` too)."""
    outstanding = Q(requirements_outstanding__gt=0)
    kind = rule.kind
    n = rule.parameter or 0
    if kind == AtRiskRule.Kind.TERM_ENDING:
        return outstanding & Q(term_end__gte=today, term_end__lte=add_months(today, n))
    if kind == AtRiskRule.Kind.TERM_EXPIRED:
        return outstanding & Q(term_end__lt=today)
    if kind == AtRiskRule.Kind.NO_ATTEMPT:
        since = add_months(today, -n)
        # The expression, not the annotation, so that the overview can use the rule too.
        quiet = LessThan(Coalesce(_last_attempt_on(), Value(datetime.date.min)), since)
        return outstanding & Q(term_start__lte=since) & quiet & ~_open_booking()
    if kind == AtRiskRule.Kind.FAILED_IN_A_ROW:
        return outstanding & _failed_in_a_row(n)
    raise ValueError(f"unknown at-risk rule kind {kind!r}")


def any_rule_q(rules: Iterable[AtRiskRule], *, today: datetime.date) -> Q:
    """Whether a candidate annotated by `annotate_progress` matches any of `rules` (none:
    nobody). The one definition of "at risk": the list and the overview both use it."""
    matches = Q(pk__in=[])
    for rule in rules:
        matches |= Q(rule_condition(rule, today=today))
    return matches


def _as_boolean(condition: Q | Combinable) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def annotate_at_risk(
    candidates: QuerySet[Candidate], rules: Iterable[AtRiskRule], *, today: datetime.date
) -> QuerySet[Candidate]:
    """`candidates` with progress, attempts_used, last_attempt_on and one boolean per rule
    (`rule_field(rule)`). Read-only; no query until evaluated."""
    annotated = annotate_progress(candidates).annotate(
        attempts_used=_attempts_used(), last_attempt_on=_last_attempt_on()
    )
    return annotated.annotate(
        **{rule_field(rule): _as_boolean(rule_condition(rule, today=today)) for rule in rules}
    )


def at_risk_candidates(
    user: User,
    query: AtRiskQuery,
    *,
    rules: list[AtRiskRule],
    today: datetime.date | None = None,
) -> QuerySet[Candidate]:
    """The candidates `user` may see as an officer who match any of `rules` (or the one
    `query.rule` names, when it is among them), narrowed by regime and route and sorted
    by `query.sort` (one of SORTS). Municipal officers see their own residents only, the
    agency's everyone (examens.permissions.visible_candidates). Read-only, one query
    (two when paginated); rows carry the annotations of `annotate_at_risk`.

    Raises ValueError for a sort outside SORTS (callers validate first).
    """
    if query.sort not in SORTS:
        raise ValueError(f"sort: {query.sort!r} is not one of {', '.join(SORTS)}")
    today = today or timezone.localdate()
    visible = visible_candidates(user, roles=AT_RISK_ROLES).values("pk")
    qs = Candidate.objects.filter(pk__in=visible)
    if query.regime:
        qs = qs.filter(route__regime__code=query.regime)
    if query.route:
        qs = qs.filter(route_id=query.route)
    chosen = [rule for rule in rules if query.rule in (None, rule.pk)]
    if not chosen:
        return Candidate.objects.none()
    qs = annotate_at_risk(qs, rules, today=today)
    matches = Q()
    for rule in chosen:
        matches |= Q(**{rule_field(rule): True})
    return (
        qs.filter(matches)
        .select_related("municipality", "route__regime")
        .order_by(*SORTS[query.sort])
    )


# --- rows for the page and the exports ------------------------------------------------------


@dataclass(frozen=True)
class Outstanding:
    code: str
    level: str

    def __str__(self) -> str:
        return f"{self.code} {self.level}".strip()


def outstanding_by_candidate(candidate_ids: list[int]) -> dict[int, list[Outstanding]]:
    """The blocking outstanding requirements of each of `candidate_ids`. One query."""
    found: dict[int, list[Outstanding]] = defaultdict(list)
    if not candidate_ids:
        return found
    rows = outstanding_requirements(Candidate.objects.filter(pk__in=candidate_ids))
    for row in rows:
        found[row["candidate_id"]].append(Outstanding(row["component_code"], row["level"]))
    return found


def matched_rules(candidate: Candidate, rules: Iterable[AtRiskRule]) -> list[AtRiskRule]:
    return [rule for rule in rules if getattr(candidate, rule_field(rule), False)]
