"""The municipality's overview and the agency's national view: who may see which, and
the counts per status (decision 0014).

Statuses come from grading's bulk progress rule (`annotate_progress`), so "completed"
and "exempted" agree with `candidate_progress`; "at risk" is `overview_rules`. Each
count is one grouped query (the status is computed once per candidate in SELECT and
grouped by position), so the number of queries does not depend on the data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from examens.exceptions import NotPermitted
from examens.models import Candidate, Organisation, Role, User
from examens.permissions import is_agency_member, organisations_for
from grading.progress_sets import annotate_progress

from . import overview_rules as rules
from .suppression import SuppressedTable, Table, suppress

OVERVIEW_ROLES = frozenset({Role.OFFICER})
STATUS_LABELS = {
    rules.COMPLETED: _("Completed"),
    rules.EXEMPTED: _("Exempted"),
    rules.IN_PROGRESS: _("In progress"),
    rules.AT_RISK: _("At risk"),
    rules.EXPIRED: _("Term expired"),
}
GROUP_LABELS = {True: _("Asylum migrant"), False: _("Family or other migrant")}


def suppression_threshold() -> int:
    return getattr(settings, "MONITORING_SUPPRESSION_THRESHOLD", 10)


@dataclass(frozen=True)
class OverviewFilter:
    """The GET filters; empty means all."""

    cohort: int | None = None
    regime: str = ""  # Regime.code
    route: int | None = None  # Route.pk

    def apply(self, candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
        if self.cohort is not None:
            candidates = candidates.filter(term_start__year=self.cohort)
        if self.regime:
            candidates = candidates.filter(route__regime__code=self.regime)
        if self.route is not None:
            candidates = candidates.filter(route_id=self.route)
        return candidates

    def as_data(self) -> dict:
        return {"cohort": self.cohort, "regime": self.regime, "route": self.route}


# --- access -------------------------------------------------------------------------------


def overview_municipalities(user: User) -> QuerySet[Organisation]:
    """The municipalities whose overview `user` may see: those where they are an officer."""
    return (
        organisations_for(user, OVERVIEW_ROLES)
        .filter(kind=Organisation.Kind.MUNICIPALITY)
        .order_by("name", "pk")
    )


def municipality_for_overview(user: User, municipality_id: int | None = None) -> Organisation:
    """The municipality of the overview: the one asked for (or the first) among
    `overview_municipalities(user)`. Raises NotPermitted when there is none or the one
    asked for is not theirs (a municipality sees its own residents only)."""
    allowed = overview_municipalities(user)
    if municipality_id is not None:
        allowed = allowed.filter(pk=municipality_id)
    found = allowed.first()
    if found is None:
        raise NotPermitted()
    return found


def may_see_national(user: User) -> bool:
    return is_agency_member(user, OVERVIEW_ROLES)


def require_national(user: User) -> None:
    """Raises NotPermitted unless `user` is an officer of the agency."""
    if not may_see_national(user):
        raise NotPermitted()


# --- counting -----------------------------------------------------------------------------


def status_counts(candidates: QuerySet[Candidate], *, by: list[str], today: datetime.date):
    """[(key values..., status, n)] grouped by the expressions named in `by`
    (cohort, regime, route, asylum, municipality). One query."""
    expressions = {
        "cohort": ExtractYear("term_start"),
        "regime": F("route__regime__code"),
        "route": F("route__code"),
        "asylum": F("is_asylum_migrant"),
        "municipality": F("municipality_id"),
    }
    rows = (
        annotate_progress(candidates.order_by())
        .annotate(**{f"k_{name}": expressions[name] for name in by})
        .annotate(o_status=rules.status_case(today))
        .values(*(f"k_{name}" for name in by), "o_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(*(row[f"k_{name}"] for name in by), row["o_status"], row["n"]) for row in rows]


@dataclass
class StatusLine:
    key: tuple
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(rules.STATUSES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[int]:
        return [self.counts[s] for s in rules.STATUSES]


@dataclass
class Overview:
    municipality: Organisation
    filters: OverviewFilter
    lines: list[StatusLine]  # per cohort, regime, route and migrant group
    cohorts: list[StatusLine]  # per cohort

    @property
    def totals(self) -> list[int]:
        return [sum(line.counts[s] for line in self.lines) for s in rules.STATUSES]

    @property
    def total(self) -> int:
        return sum(self.totals)

    def table(self) -> Table:
        return Table(
            rows=[line.label for line in self.lines],
            columns=[str(STATUS_LABELS[s]) for s in rules.STATUSES],
            cells=[line.cells() for line in self.lines],
        )


def _line_label(cohort, regime, route, asylum) -> str:
    return f"{cohort} · {regime} · {route} · {GROUP_LABELS[bool(asylum)]}"


def residents(municipality: Organisation, filters: OverviewFilter) -> QuerySet[Candidate]:
    return filters.apply(Candidate.objects.filter(municipality=municipality))


def municipality_overview(
    user: User,
    *,
    filters: OverviewFilter,
    municipality_id: int | None = None,
    today: datetime.date | None = None,
) -> Overview:
    """The overview of the user's municipality: residents only, per cohort, regime,
    route and migrant group, by status. Not suppressed (the municipality's own view).

    Raises NotPermitted for a user who is no officer of that municipality. Read-only.
    """
    municipality = municipality_for_overview(user, municipality_id)
    today = today or timezone.localdate()
    lines: dict[tuple, StatusLine] = {}
    cohorts: dict[int, StatusLine] = {}
    by = ["cohort", "regime", "route", "asylum"]
    for cohort, regime, route, asylum, status, n in status_counts(
        residents(municipality, filters), by=by, today=today
    ):
        key = (cohort, regime, route, bool(asylum))
        line = lines.setdefault(key, StatusLine(key, _line_label(*key)))
        line.counts[status] += n
        per = cohorts.setdefault(cohort, StatusLine((cohort,), str(cohort)))
        per.counts[status] += n
    return Overview(
        municipality=municipality,
        filters=filters,
        lines=[lines[k] for k in sorted(lines, key=lambda k: (k[0], k[1], k[2], not k[3]))],
        cohorts=[cohorts[k] for k in sorted(cohorts)],
    )


@dataclass
class NationalView:
    filters: OverviewFilter
    lines: list[StatusLine]  # per municipality (every municipality, zero rows included)
    published: SuppressedTable


def national_view(
    user: User, *, filters: OverviewFilter, today: datetime.date | None = None
) -> NationalView:
    """Every municipality's residents by status, suppressed (decision 0019).

    Raises NotPermitted unless the user is an officer of the agency. Read-only.
    """
    require_national(user)
    today = today or timezone.localdate()
    municipalities = Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY).order_by(
        "name", "pk"
    )
    lines = {m.pk: StatusLine((m.pk,), m.name) for m in municipalities}
    counted = status_counts(
        filters.apply(Candidate.objects.filter(municipality__kind=Organisation.Kind.MUNICIPALITY)),
        by=["municipality"],
        today=today,
    )
    for municipality_id, status, n in counted:
        lines[municipality_id].counts[status] += n
    ordered = list(lines.values())
    table = Table(
        rows=[line.label for line in ordered],
        columns=[str(STATUS_LABELS[s]) for s in rules.STATUSES],
        cells=[line.cells() for line in ordered],
    )
    return NationalView(
        filters=filters,
        lines=ordered,
        published=suppress(table, threshold=suppression_threshold()),
    )
