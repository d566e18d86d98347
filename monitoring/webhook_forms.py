"""The form an organisation admin registers a webhook endpoint with."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from examens.forms import offer_organisations, organisation_field
from examens.models import Organisation

from .webhook_models import WebhookEvent


class EndpointForm(forms.Form):
    organisation = organisation_field()
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(
        label=_("Address (https://)"),
        max_length=500,
        help_text=_("The receiver in your own system, e.g. https://zaken.example.nl/webhooks."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        initial=list(WebhookEvent.values),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisations: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        offer_organisations(self, organisations)
