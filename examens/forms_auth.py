"""Forms for logging in and for second factors; errors are tied to their inputs."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .twofactor import DEFAULT_TOTP_NAME


class AccessibleForm(forms.Form):
    """Links each field's error list to its input (aria-describedby, aria-invalid)."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            ids = [f"{bound.auto_id}_error"]
            if bound.help_text:
                ids.insert(0, f"{bound.auto_id}_helptext")
            attrs = self.fields[name].widget.attrs
            attrs["aria-describedby"] = " ".join(ids)
            attrs["aria-invalid"] = "true"


class LoginForm(AccessibleForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _code_widget(pattern: str | None = None) -> forms.TextInput:
    attrs = {
        "autocomplete": "one-time-code",
        "inputmode": "numeric",
        "autocapitalize": "none",
        "spellcheck": "false",
        "size": "12",
    }
    if pattern:
        attrs["pattern"] = pattern
    return forms.TextInput(attrs=attrs)


class VerifyForm(AccessibleForm):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six-digit code from your authenticator app, or one of your backup codes."),
        widget=_code_widget(),
    )


class EnrolForm(AccessibleForm):
    name = forms.CharField(
        label=_("Name of this app or phone"),
        max_length=64,
        required=False,
        initial=DEFAULT_TOTP_NAME,
        help_text=_("So that you can recognise it later, for example “Work phone”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    token = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        help_text=_("Enter the six-digit code the app shows after you scanned the QR code."),
        widget=_code_widget(pattern=r"[0-9 ]*"),
    )
