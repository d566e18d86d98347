"""The at-risk list for officers, its streamed CSV/XLSX export, and the rules' page."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from examens.gates import require

from . import at_risk as selectors
from .at_risk_models import AtRiskRule
from .exports import stream_table
from .forms_at_risk import AtRiskFilterForm, ExportForm, RuleForm
from .services.at_risk import (
    AtRiskRuleError,
    bsn_export_municipalities,
    may_change_at_risk_rules,
    may_export_at_risk,
    record_at_risk_export,
    update_at_risk_rule,
)

ROWS_PER_PAGE = 25
EXPORT_BATCH = 2000
FILTER_FIELDS = ("rule", "regime", "route", "sort")
# Columns whose header sorts the table: GET `sort` key ascending.
SORTABLE = {"name": "name", "term_end": "term_end", "attempts": "attempts"}


def _sort_links(params, current: str) -> dict[str, dict]:
    """Per sortable column: the link that sorts by it (flipping when it is current) and
    its aria-sort value."""
    links = {}
    for column, key in SORTABLE.items():
        ascending, descending = key, f"-{key}"
        if current == ascending:
            target, state = descending, "ascending"
        elif current == descending:
            target, state = ascending, "descending"
        else:
            target, state = ascending, "none"
        query = params.copy()
        query["sort"] = target
        query.pop("page", None)
        links[column] = {"href": "?" + query.urlencode(), "aria_sort": state}
    return links


def _rows(candidates, rules) -> list[dict]:
    outstanding = selectors.outstanding_by_candidate([c.pk for c in candidates])
    return [
        {
            "candidate": c,
            "rules": selectors.matched_rules(c, rules),
            "outstanding": outstanding.get(c.pk, []),
        }
        for c in candidates
    ]


@require_http_methods(["GET"])
def at_risk(request):
    """The list: filters, sortable headers, pages of ROWS_PER_PAGE; GET only."""
    require(may_export_at_risk(request.user))
    rules = selectors.active_rules()
    bound = any(name in request.GET for name in FILTER_FIELDS)
    form = AtRiskFilterForm(request.GET if bound else None, rules=rules)
    context: dict = {
        "form": form,
        "all_rules": AtRiskRule.objects.order_by("pk"),
        "may_change_rules": may_change_at_risk_rules(request.user),
    }
    if bound and not form.is_valid():
        return render(request, "monitoring/at_risk.html", context, status=400)
    query = form.query() if bound else selectors.AtRiskQuery()
    candidates = selectors.at_risk_candidates(request.user, query, rules=rules)
    asked = request.GET.get("page")
    page = Paginator(candidates, ROWS_PER_PAGE).get_page(asked)
    notice = ""
    if asked is not None and asked != str(page.number):
        notice = _("There is no page %(asked)s; this is page %(shown)s.") % {
            "asked": asked[:20],
            "shown": page.number,
        }
    params = request.GET.copy()
    params.pop("page", None)
    everywhere, municipalities = bsn_export_municipalities(request.user)
    context.update(
        query=query,
        page=page,
        rows=_rows(list(page.object_list), rules),
        params=params.urlencode(),
        sort_links=_sort_links(params, query.sort),
        notice=notice,
        export_form=ExportForm(initial={**form.cleaned_data} if bound else {}, rules=rules),
        with_bsn=everywhere or bool(municipalities),
    )
    return render(request, "monitoring/at_risk.html", context)


def _export_rows(candidates, rules, *, bsn_for) -> Iterator[list]:
    """The rows of the export, read in batches: one query for the outstanding
    components of each batch, besides the list's own cursor."""
    iterator = candidates.iterator(chunk_size=EXPORT_BATCH)
    while batch := list(islice(iterator, EXPORT_BATCH)):
        outstanding = selectors.outstanding_by_candidate([c.pk for c in batch])
        for c in batch:
            row = [
                c.family_name,
                c.given_names,
                c.municipality.name,
                c.route.regime.code,
                c.route.code,
                c.term_end,
                c.attempts_used,
                c.last_attempt_on,
                ", ".join(str(item) for item in outstanding.get(c.pk, [])),
                "; ".join(rule.label for rule in selectors.matched_rules(c, rules)),
            ]
            if bsn_for is not None:
                row.append(bsn_for(c))
            yield row


@require_POST
def at_risk_export(request):
    """The list as CSV or XLSX, with the filters of the page, streamed. BSNs only for an
    entitled officer (and only of the candidates their entitlement covers); the export
    is recorded (actor, filters, rows) before it streams."""
    require(may_export_at_risk(request.user))
    rules = selectors.active_rules()
    form = ExportForm(request.POST, rules=rules)
    if not form.is_valid():
        context = {
            "form": form,
            "export_errors": form.errors,
            "all_rules": AtRiskRule.objects.order_by("pk"),
        }
        return render(request, "monitoring/at_risk.html", context, status=400)
    query = form.query()
    everywhere, municipalities = bsn_export_municipalities(request.user)
    with_bsn = everywhere or bool(municipalities)
    candidates = selectors.at_risk_candidates(request.user, query, rules=rules)
    if not with_bsn:
        candidates = candidates.defer("bsn")
    fmt = form.cleaned_data["format"]
    filters = {name: form.cleaned_data.get(name) for name in FILTER_FIELDS}
    record_at_risk_export(
        actor=request.user, fmt=fmt, filters=filters, rows=candidates.count(), with_bsn=with_bsn
    )
    columns = [
        _("Family name"),
        _("Given names"),
        _("Municipality"),
        _("Regime"),
        _("Route"),
        _("Term end"),
        _("Attempts"),
        _("Last attempt"),
        _("Outstanding"),
        _("Rules"),
    ]
    bsn_for = None
    if with_bsn:
        columns.append(_("BSN"))

        def bsn_for(c):
            return c.bsn if everywhere or c.municipality_id in municipalities else ""

    name = _("at-risk-list") + "-" + timezone.localdate().isoformat()
    return stream_table(
        filename=name,
        columns=columns,
        rows=_export_rows(candidates, rules, bsn_for=bsn_for),
        fmt=fmt,
    )


@require_http_methods(["GET", "POST"])
def at_risk_rules(request):
    """The rules with their parameters; the agency's admins change them (POST, one rule
    per form). Officers see them read-only."""
    may_change = may_change_at_risk_rules(request.user)
    require(may_change or may_export_at_risk(request.user))
    status = 200
    failed: dict = {}
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                update_at_risk_rule(
                    form.cleaned_data["rule"],
                    actor=request.user,
                    parameter=form.cleaned_data["parameter"],
                    active=form.cleaned_data["active"],
                )
            except AtRiskRuleError as error:
                failed = {"rule": form.cleaned_data["rule"], "message": error.message}
                status = 400
            else:
                return redirect("monitoring:at-risk-rules")
        else:
            failed = {"rule": form.data.get("rule"), "errors": form.errors}
            status = 400
    return render(
        request,
        "monitoring/at_risk_rules.html",
        {"rules": AtRiskRule.objects.order_by("pk"), "may_change": may_change, "failed": failed},
        status=status,
    )
