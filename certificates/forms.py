"""Certificate staff forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import REVOKE_REASONS, Certificate


def _reason_choices() -> list[tuple[str, object]]:
    labels = dict(Certificate.ReasonCode.choices)
    listed: list[tuple[str, object]] = [
        (str(code), labels.get(code, code)) for code in REVOKE_REASONS
    ]
    return [("", _("Choose a reason")), *listed]


class RevokeForm(forms.Form):
    """Revoking for good, on its own confirmation page. The fields are not required
    here: revoke_certificate decides, and its refusal is shown on the field it names."""

    reason_code = forms.ChoiceField(
        label=_("Reason (shown to verifiers)"), choices=_reason_choices, required=False
    )
    reason = forms.CharField(
        label=_("Note (internal)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. Verifiers never see it."),
    )
