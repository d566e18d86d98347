from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Accommodation, ApiScope, Component, Decision, Level, Organisation
from .services.candidates import POSTAL_ADDRESS_MAX_LENGTH


class CandidateSearchForm(forms.Form):
    """The name search. Sent by POST (a BSN typed here must not reach a URL); the view
    redirects a name to the list's GET address and looks a number up."""

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
        max_length=20,  # 123.456.782, 1234 56 782, ...: dots and spaces are dropped
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


class ContactDetailsForm(forms.Form):
    """A candidate's e-mail address, postal address and preferred language (decision 0029:
    without an e-mail address, the invitation and every notice go by post). The service
    (update_candidate) checks the address again, so no caller can store a bad one."""

    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        help_text=_("Leave empty when the candidate has none: letters then go by post."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    postal_address = forms.CharField(
        label=_("Postal address"),
        required=False,
        max_length=POSTAL_ADDRESS_MAX_LENGTH,
        strip=False,
        help_text=_("One line per address line: street and number, postcode and town."),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40, "autocomplete": "off"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES
    )


def organisation_field() -> forms.ModelChoiceField:
    """The organisation an admin acts for; narrowed per person by `offer_organisations`."""
    return forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation"), empty_label=None
    )


def offer_organisations(form: forms.Form, organisations: list[Organisation]) -> None:
    """Offer only `organisations` in the form's `organisation` field; with one, it is
    chosen and hidden (an id outside them is refused as an invalid choice)."""
    field = form.fields["organisation"]
    assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows for mypy  # nosec B101
    field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
    if len(organisations) == 1:
        field.initial = organisations[0].pk
        field.widget = forms.HiddenInput()


class ApiTokenForm(forms.Form):
    """A new API token: what it is for and what it may do. The service checks both again."""

    organisation = organisation_field()
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What system uses it, e.g. “Zaaksysteem Burgerzaken”."),
        error_messages={"required": _("Give the token a name: what system uses it.")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give the system only what it needs."),
        error_messages={
            "required": _("Choose at least one scope."),
            "invalid_choice": _("Unknown scope: %(value)s."),
        },
    )

    def __init__(self, *args, organisations: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        offer_organisations(self, organisations)
