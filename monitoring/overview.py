"""The municipality's overview and the agency's national view: who may see which, and
the counts per status and the indicators (decisions 0014 and 0033).

Statuses come from grading's bulk progress rule (`annotate_progress`), so "completed"
and "exempted" agree with `candidate_progress`; "at risk" is `overview_rules`. They are
counted ahead (`monitoring.status_counts` and `overview_indicators`, stored by the
refresh job) and read here from the current snapshot (`monitoring.figures`): a few
indexed queries over the stored cells, whatever the number of residents.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from examens.exceptions import NotPermitted
from examens.models import Candidate, Organisation, Role, User
from examens.permissions import is_agency_member, organisations_for

from . import figures
from . import overview_rules as rules
from .figures_models import FigureCell, FigureSnapshot
from .indicator_tables import Cell, Indicators, indicators_of
from .status_counts import status_counts  # noqa: F401 (the live count, also from here)
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
        return self._narrow(candidates, cohort="term_start__year")

    def apply_cells(self, cells: QuerySet[FigureCell]) -> QuerySet[FigureCell]:
        """The same filters on stored cells (their cohort is a column)."""
        return self._narrow(cells, cohort="cohort")

    def _narrow(self, rows: QuerySet, *, cohort: str) -> QuerySet:
        if self.cohort is not None:
            rows = rows.filter(**{cohort: self.cohort})
        if self.regime:
            rows = rows.filter(route__regime__code=self.regime)
        if self.route is not None:
            rows = rows.filter(route_id=self.route)
        return rows

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
    indicators: Indicators
    snapshot: FigureSnapshot | None  # None: never counted yet (a count is on its way)
    fresh: bool = True

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


def municipality_overview(
    user: User,
    *,
    filters: OverviewFilter,
    municipality_id: int | None = None,
    today: datetime.date | None = None,
) -> Overview:
    """The overview of the user's municipality: residents only, per cohort, regime,
    route and migrant group, by status, and the indicators, from the current snapshot.
    Not suppressed (the municipality's own view).

    Raises NotPermitted for a user who is no officer of that municipality. Read-only
    (it may ask the job to count the figures again).
    """
    municipality = municipality_for_overview(user, municipality_id)
    today = today or timezone.localdate()
    snapshot, fresh = figures.current(today)
    lines: dict[tuple, StatusLine] = {}
    cohorts: dict[int, StatusLine] = {}
    cells: list[Cell] = []
    if snapshot is not None:
        stored = filters.apply_cells(
            FigureCell.objects.filter(snapshot=snapshot, municipality=municipality)
        ).values_list(
            "cohort", "route__regime__code", "route__code", "asylum", "measure", "key", "slot", "n"
        )
        for cohort, regime, route, asylum, measure, key, slot, n in stored:
            if measure != FigureCell.Measure.STATUS:
                cells.append(Cell(None, measure, key, slot, n))
                continue
            line_key = (cohort, regime, route, asylum)
            line = lines.setdefault(line_key, StatusLine(line_key, _line_label(*line_key)))
            line.counts[key] += n
            per = cohorts.setdefault(cohort, StatusLine((cohort,), str(cohort)))
            per.counts[key] += n
    return Overview(
        municipality=municipality,
        filters=filters,
        lines=[lines[k] for k in sorted(lines, key=lambda k: (k[0], k[1], k[2], not k[3]))],
        cohorts=[cohorts[k] for k in sorted(cohorts)],
        indicators=indicators_of(cells),
        snapshot=snapshot,
        fresh=fresh,
    )


@dataclass
class NationalView:
    filters: OverviewFilter
    lines: list[StatusLine]  # per municipality (every municipality, zero rows included)
    published: SuppressedTable
    snapshot: FigureSnapshot | None
    indicators: Indicators  # summed over every municipality; not suppressed yet
    fresh: bool = True


def national_view(
    user: User, *, filters: OverviewFilter, today: datetime.date | None = None
) -> NationalView:
    """Every municipality's residents by status, suppressed (decision 0019), and the
    indicators summed over all of them (published suppressed by the view:
    `monitoring.national_indicators`), from the current snapshot.

    Raises NotPermitted unless the user is an officer of the agency. Read-only.
    """
    require_national(user)
    today = today or timezone.localdate()
    municipalities = Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY).order_by(
        "name", "pk"
    )
    lines = {m.pk: StatusLine((m.pk,), m.name) for m in municipalities}
    snapshot, fresh = figures.current(today)
    summed: list[Cell] = []
    if snapshot is not None:
        stored = filters.apply_cells(FigureCell.objects.filter(snapshot=snapshot))
        counted = (
            stored.filter(measure=FigureCell.Measure.STATUS)
            .values_list("municipality_id", "key")
            .annotate(n=Sum("n"))
            .order_by()
        )
        for municipality_id, status, n in counted:
            if municipality_id in lines:
                lines[municipality_id].counts[status] += n
        national = (
            stored.exclude(measure=FigureCell.Measure.STATUS)
            .filter(municipality__in=municipalities)
            .values_list("measure", "key", "slot")
            .annotate(n=Sum("n"))
            .order_by()
        )
        summed = [Cell(None, measure, key, slot, n) for measure, key, slot, n in national]
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
        snapshot=snapshot,
        indicators=indicators_of(summed),
        fresh=fresh,
    )
