"""The municipality's overview, the agency's national view and their exports."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from examens.audit import record_event
from examens.models import Regime, Route, User

from . import indicator_tables as indicators
from . import overview as selectors
from .exports import stream_table
from .national_indicators import published_indicators
from .overview_chart import status_bars
from .overview_rules import STATUSES
from .suppression import SuppressedTable, suppress


class OverviewFilterForm(forms.Form):
    """The GET filters (also posted, hidden, with an export); every field optional."""

    cohort = forms.IntegerField(
        label=gettext_lazy("Cohort (year the obligation started)"),
        required=False,
        min_value=2000,
        max_value=2100,
    )
    regime = forms.ChoiceField(label=gettext_lazy("Regime"), required=False)
    route = forms.TypedChoiceField(
        label=gettext_lazy("Route"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        english = get_language() == "en"
        regimes = Regime.objects.order_by("code").values_list("code", "name_nl", "name_en")
        self.fields["regime"].choices = [
            ("", _("All regimes")),
            *((code, en if english else nl) for code, nl, en in regimes),
        ]
        routes = Route.objects.order_by("regime__code", "code").values_list(
            "pk", "regime__code", "code", "name_nl", "name_en"
        )
        self.fields["route"].choices = [
            ("", _("All routes")),
            *((pk, f"{regime} – {en if english else nl}") for pk, regime, _c, nl, en in routes),
        ]

    def filters(self) -> selectors.OverviewFilter:
        data = self.cleaned_data if self.is_bound else {}
        return selectors.OverviewFilter(
            cohort=data.get("cohort"), regime=data.get("regime") or "", route=data.get("route")
        )


def _form(data) -> tuple[OverviewFilterForm, bool]:
    form = OverviewFilterForm(data or None)
    return form, not form.is_bound or form.is_valid()


@require_GET
def overview(request):
    """The municipality's own residents by cohort, regime, route and migrant group, with
    the indicators. Not suppressed: the municipality's own view."""
    form, valid = _form(request.GET)
    municipality = selectors.municipality_for_overview(request.user)
    context: dict = {
        "form": form,
        "municipality": municipality,
        "threshold": selectors.suppression_threshold(),
    }
    if not valid:
        return render(request, "monitoring/overview.html", context, status=400)
    filters = form.filters()
    result = selectors.municipality_overview(request.user, filters=filters)
    figures = result.indicators
    context.update(
        result=result,
        snapshot=result.snapshot,
        fresh=result.fresh,
        statuses=[selectors.STATUS_LABELS[s] for s in STATUSES],
        chart=status_bars([(line.label, line.cells()) for line in result.cohorts]),
        first_booking=figures.first_booking,
        pass_rates=figures.pass_rates,
        attempts=figures.attempts,
        waits=figures.waits,
        turnaround=figures.turnaround,
        extensions=figures.extensions,
        first_booking_bounds=indicators.FIRST_BOOKING_BOUNDS,
        wait_bounds=indicators.WAIT_BOUNDS,
    )
    return render(request, "monitoring/overview.html", context)


@require_GET
def national(request):
    """Every municipality by status, small cells suppressed (decision 0019)."""
    selectors.require_national(request.user)
    form, valid = _form(request.GET)
    context: dict = {"form": form, "threshold": selectors.suppression_threshold()}
    if not valid:
        return render(request, "monitoring/national.html", context, status=400)
    view = selectors.national_view(request.user, filters=form.filters())
    published = view.published
    context.update(
        view=view,
        snapshot=view.snapshot,
        fresh=view.fresh,
        published=published,
        statuses=published.columns,
        chart=status_bars([(_("All municipalities"), published.column_totals)]),
        indicators=published_indicators(view.indicators, threshold=context["threshold"]),
    )
    return render(request, "monitoring/national.html", context)


def _bad_filters(form) -> HttpResponseBadRequest:
    lines = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
    return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")


def _rows(published: SuppressedTable, width: int):
    for label, cells, total in published.lines():
        yield [*label.split(" · ", width - 1), *cells, total]


def _export(
    request,
    *,
    kind: str,
    fmt: str,
    published: SuppressedTable,
    keys: list[str],
    filters: selectors.OverviewFilter,
    user: User,
    snapshot,
):
    """Record the export (audit event, its own transaction), then stream it."""
    with transaction.atomic():
        record_event(
            user,
            f"monitoring.{kind}.exported",
            object_type=f"monitoring.{kind}",
            object_id="",
            data={"format": fmt, "filters": filters.as_data(), "rows": len(published.rows)},
        )
    columns = [*keys, *published.columns, str(_("Total"))]
    total_row = [
        str(_("Total")),
        *([""] * (len(keys) - 1)),
        *published.column_totals,
        published.total,
    ]
    rows = [*_rows(published, len(keys)), total_row]
    legend = [
        _(
            "%(marker)s: fewer than %(threshold)s, or hidden so that such a number "
            "cannot be recomputed"
        )
        % {"marker": published.marker, "threshold": published.threshold},
        _("Figures as counted at %(at)s")
        % {"at": date_format(localtime(snapshot.taken_at), "DATETIME_FORMAT")}
        if snapshot
        else _("The figures have not been counted yet"),
    ]
    rows.extend([line, *([""] * (len(columns) - 1))] for line in legend)
    return stream_table(filename=f"{kind}-{fmt}", columns=columns, rows=iter(rows), fmt=fmt)


@require_POST
def overview_export(request, fmt: str):
    """The overview's table, suppressed (the counts leave the municipality's view)."""
    form, valid = _form(request.POST)
    if not valid:
        return _bad_filters(form)
    filters = form.filters()
    result = selectors.municipality_overview(request.user, filters=filters)
    published = suppress(result.table(), threshold=selectors.suppression_threshold())
    keys = [str(_("Cohort")), str(_("Regime")), str(_("Route")), str(_("Group"))]
    return _export(
        request,
        kind="overview",
        fmt=fmt,
        published=published,
        keys=keys,
        filters=filters,
        user=request.user,
        snapshot=result.snapshot,
    )


@require_POST
def national_export(request, fmt: str):
    """The national table as shown: suppressed."""
    selectors.require_national(request.user)
    form, valid = _form(request.POST)
    if not valid:
        return _bad_filters(form)
    filters = form.filters()
    view = selectors.national_view(request.user, filters=filters)
    return _export(
        request,
        kind="national",
        fmt=fmt,
        published=view.published,
        keys=[str(_("Municipality"))],
        filters=filters,
        user=request.user,
        snapshot=view.snapshot,
    )


def overview_export_csv(request):
    return overview_export(request, "csv")


def overview_export_xlsx(request):
    return overview_export(request, "xlsx")


def national_export_csv(request):
    return national_export(request, "csv")


def national_export_xlsx(request):
    return national_export(request, "xlsx")
