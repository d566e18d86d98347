"""The capacity page for planners and officers: demand against seats, waits against the norm."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from examens.gates import require
from examens.models import Component, Level

from . import capacity as selectors
from . import capacity_waits
from .capacity_access import may_see_capacity
from .capacity_chart import chart

ROWS_PER_PAGE = 20


class CapacityFilterForm(forms.Form):
    """The GET filter form; every field optional."""

    component = forms.ChoiceField(label=gettext_lazy("Component"), required=False)
    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        required=False,
        choices=[("", gettext_lazy("All levels")), *Level.choices],
    )
    region = forms.CharField(
        label=gettext_lazy("Region"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("A centre's city or a municipality's name."),
    )
    weeks = forms.IntegerField(
        label=gettext_lazy("Weeks ahead"),
        required=False,
        min_value=1,
        max_value=settings.CAPACITY_MAX_WEEKS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        english = get_language() == "en"
        codes = Component.objects.order_by("code").values_list("code", "name_nl", "name_en")
        self.fields["component"].choices = [
            ("", _("All components")),
            *((code, f"{code} – {en if english else nl}") for code, nl, en in codes),
        ]

    def query(self) -> selectors.CapacityQuery:
        data = self.cleaned_data
        return selectors.CapacityQuery(
            component=data.get("component") or "",
            level=data.get("level") or "",
            region=(data.get("region") or "").strip(),
            weeks=data.get("weeks") or settings.CAPACITY_DEFAULT_WEEKS,
        )


def _chart_of(result: selectors.Capacity):
    weeks = []
    for week in result.totals():
        title = _("%(week)s: demand %(demand)s, seats published %(seats)s") % {
            "week": week.iso,
            "demand": week.demand_rounded,
            "seats": week.seats_published,
        }
        weeks.append(
            (week.iso[-3:], week.demand_rounded, week.seats_published, week.over_capacity, title)
        )
    return chart(weeks)


@require_GET
def capacity(request):
    """Tables per component, level and region (weeks as rows), a chart of the totals and
    the median real wait per centre. GET only; `page` pages through the tables."""
    require(may_see_capacity(request.user))
    form = CapacityFilterForm(request.GET or None)
    context: dict = {"form": form, "norm_days": selectors.norm_days()}
    if form.is_bound and not form.is_valid():
        return render(request, "monitoring/capacity.html", context, status=400)
    query = (
        form.query()
        if form.is_bound
        else selectors.CapacityQuery(weeks=settings.CAPACITY_DEFAULT_WEEKS)
    )
    result = selectors.capacity(query)
    page = Paginator(result.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    totals = result.totals()
    context.update(
        query=query,
        result=result,
        page=page,
        params=params.urlencode(),
        totals=totals,
        weeks_over=sum(week.over_capacity for week in totals),
        rows_over_norm=sum(row.first_free.over_norm for row in result.rows),
        chart=_chart_of(result),
        waits=capacity_waits.median_waits(query),
        lookback_days=settings.CAPACITY_WAIT_LOOKBACK_DAYS,
    )
    return render(request, "monitoring/capacity.html", context)
