"""Stored figures: the overview's and national view's counts, counted ahead (decision 0033).

A `FigureSnapshot` is one complete count of every municipality's residents, taken by
the job `monitoring.services.figures.refresh_figures` for one day (statuses such as
"term expired" depend on the day) and one set of at-risk rules. Its `FigureCell`s hold
the counts per municipality, cohort, route and migrant group: the smallest cells
every filter and every table of the pages can be summed from; its `DemandCell`s the
capacity view's expected demand. A snapshot is written in one transaction, so readers
(`monitoring.figures`) never see half of one; nothing but the job writes here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from examens.models import Organisation, Route


class FigureSnapshot(models.Model):
    taken_at = models.DateTimeField(_("counted at"), db_index=True)
    day = models.DateField(_("day counted for"))
    rules = models.CharField(_("at-risk rules counted with"), max_length=400)
    cells = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(_("seconds taken"), default=0)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        verbose_name = _("figure snapshot")

    def __str__(self) -> str:
        return f"figures of {self.day} counted at {self.taken_at:%Y-%m-%d %H:%M}"


class FigureCell(models.Model):
    """One count: `measure` (status, an indicator) of one group of residents, split by
    `key` (the status, a component code, a ground) and `slot` (a bucket or a column)."""

    class Measure(models.TextChoices):
        STATUS = "status"
        FIRST_BOOKING = "first_booking"
        PASS_RATES = "pass_rates"  # noqa: S105 - a measure's name  # nosec B105
        ATTEMPTS = "attempts"
        WAITS = "waits"
        TURNAROUND = "turnaround"
        EXTENSIONS = "extensions"

    snapshot = models.ForeignKey(FigureSnapshot, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    cohort = models.PositiveSmallIntegerField()
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="+")
    asylum = models.BooleanField()
    measure = models.CharField(max_length=20, choices=Measure.choices)
    key = models.CharField(max_length=40, blank=True)
    slot = models.SmallIntegerField(default=0)
    n = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "measure"], name="figure_cell_measure"),
            models.Index(fields=["snapshot", "municipality"], name="figure_cell_municipality"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.key} {self.slot}: {self.n}"


class DemandCell(models.Model):
    """Outstanding requirements that still need a seat (`monitoring.demand_cells`), per
    component, level, region (the candidate's municipality) and week of the term end."""

    snapshot = models.ForeignKey(FigureSnapshot, on_delete=models.CASCADE, related_name="+")
    component_code = models.CharField(max_length=10)
    level = models.CharField(max_length=2, blank=True)
    municipality = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # The Monday of the week the term ends; for terms ended before the week of the
    # snapshot's day, the Monday before that week (they are overdue alike).
    term_week = models.DateField()
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["snapshot", "component_code"], name="demand_cell_key")]

    def __str__(self) -> str:
        return f"{self.component_code} {self.level} {self.term_week}: {self.n}"


class FigureRefresh(models.Model):
    """One row, locked while a refresh counts, so two jobs never count at once."""

    started_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"figures last counted from {self.started_at}"
