"""The count of residents per status, live: what the stored figures are counted from."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, QuerySet
from django.db.models.functions import ExtractYear

from examens.models import Candidate
from grading.progress_sets import annotate_progress

from . import overview_rules as rules


def status_counts(candidates: QuerySet[Candidate], *, by: list[str], today: datetime.date):
    """[(key values..., status, n)] grouped by the expressions named in `by`
    (cohort, regime, route, route_id, asylum, municipality). One query."""
    expressions = {
        "cohort": ExtractYear("term_start"),
        "regime": F("route__regime__code"),
        "route": F("route__code"),
        "route_id": F("route_id"),
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
