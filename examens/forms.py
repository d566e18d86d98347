from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Accommodation, Component, Decision, Level


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)


class NotEchoedInput(forms.TextInput):
    """A text field that is never filled in again when the form comes back with an error:
    the page would otherwise carry the BSN that was typed (a password field's rule)."""

    def format_value(self, value):
        return None


class FindByBsnForm(forms.Form):
    """BSN look-up by POST, so that the number never appears in a URL or access log, and
    never on the page that answers (the field comes back empty)."""

    bsn = forms.CharField(
        label=_("BSN"),
        max_length=11,
        widget=NotEchoedInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of decision"), choices=Decision.Kind.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    component = forms.ModelChoiceField(
        label=_("Component"),
        queryset=Component.objects.all(),
        required=False,
        help_text=_("Leave empty for an exemption from the whole obligation."),
    )
    ground = forms.ChoiceField(
        label=_("Ground"), choices=[("", "—"), *Decision.Ground.choices], required=False
    )
    level = forms.ChoiceField(label=_("Level"), choices=[("", "—"), *Level.choices], required=False)
    extension_days = forms.IntegerField(label=_("Extension (days)"), required=False, min_value=1)
    extra_minutes = forms.IntegerField(label=_("Extra minutes"), required=False, min_value=1)
    needs = forms.MultipleChoiceField(
        label=_("Accommodation needs"),
        choices=Accommodation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence_reference = forms.CharField(
        label=_("Evidence reference"), required=False, max_length=200
    )

    def __init__(self, *args, allowed_kinds: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        # self.fields holds a copy of the declared ChoiceField `kind`.
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (value, label) for value, label in Decision.Kind.choices if value in allowed_kinds
        ]
