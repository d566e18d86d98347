"""Forms of the at-risk pages: the list's filters (GET), the export and a rule's change (POST)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import get_language, gettext_lazy

from examens.models import Regime, Route

from .at_risk import DEFAULT_SORT, SORTS, AtRiskQuery
from .at_risk_models import MAX_PARAMETER, MIN_PARAMETER, AtRiskRule
from .exports import FORMATS

SORT_LABELS = {
    "term_end": gettext_lazy("Term end, earliest first"),
    "-term_end": gettext_lazy("Term end, latest first"),
    "name": gettext_lazy("Name, A to Z"),
    "-name": gettext_lazy("Name, Z to A"),
    "attempts": gettext_lazy("Attempts, fewest first"),
    "-attempts": gettext_lazy("Attempts, most first"),
}


def _name(obj) -> str:
    return obj.name_en if get_language() == "en" else obj.name_nl


class AtRiskFilterForm(forms.Form):
    """Every field optional; an unknown value is a field error (400), never a 500."""

    rule = forms.TypedChoiceField(
        label=gettext_lazy("Rule"), required=False, coerce=int, empty_value=None
    )
    regime = forms.ChoiceField(label=gettext_lazy("Regime"), required=False)
    route = forms.TypedChoiceField(
        label=gettext_lazy("Route"), required=False, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[(key, SORT_LABELS[key]) for key in SORTS],
    )

    def __init__(self, *args, rules: list[AtRiskRule], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rule"]).choices = [
            ("", gettext_lazy("Any active rule")),
            *((str(rule.pk), rule.label) for rule in rules),
        ]
        cast(forms.ChoiceField, self.fields["regime"]).choices = [
            ("", gettext_lazy("All regimes")),
            *((r.code, _name(r)) for r in Regime.objects.order_by("code")),
        ]
        cast(forms.ChoiceField, self.fields["route"]).choices = [
            ("", gettext_lazy("All routes")),
            *(
                (str(r.pk), f"{r.regime.code} {_name(r)}")
                for r in Route.objects.select_related("regime").order_by("regime__code", "code")
            ),
        ]

    def query(self) -> AtRiskQuery:
        data = self.cleaned_data
        return AtRiskQuery(
            rule=data.get("rule"),
            regime=data.get("regime") or "",
            route=data.get("route"),
            sort=data.get("sort") or DEFAULT_SORT,
        )


class ExportForm(AtRiskFilterForm):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[(fmt, fmt.upper()) for fmt in FORMATS]
    )


class RuleForm(forms.Form):
    rule = forms.IntegerField(widget=forms.HiddenInput)
    parameter = forms.IntegerField(
        label=gettext_lazy("Number"),
        required=False,
        min_value=MIN_PARAMETER,
        max_value=MAX_PARAMETER,
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False)
