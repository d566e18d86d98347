"""django-otp-webauthn's script tags, with the CSP nonce on its configuration block.

The package's own tags render the configuration with `json_script`, which
cannot carry a nonce; our policy refuses any inline `<script>` without one
(settings' CSP). The scripts themselves are static files ('self').

The package's script sends the value of the first `input[name='next']` on the
page as where to go after a passkey; base.html's language switch has one of its
own (the current page), which would bring the user back to the confirmation
page. Ours points the script at the code form's own `next` (`#otp-next`).
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration

register = template.Library()

NEXT_FIELD = "#otp-next"  # the hidden `next` of the code form on the same page

SCRIPTS = {
    "auth": "django_otp_webauthn/otp_webauthn_auth.js",
    "register": "django_otp_webauthn/otp_webauthn_register.js",
}


@register.simple_tag(takes_context=True)
def passkey_scripts(context, ceremony: str):
    """`{% passkey_scripts "auth" %}` or `"register"`: configuration, catalogue, script."""
    request = context["request"]
    # json_script escapes <, > and & inside the JSON, so it cannot close the element.
    configuration = get_configuration(request, {"nextFieldSelector": NEXT_FIELD})
    block = json_script(configuration, "otp_webauthn_config")
    nonce = getattr(request, "csp_nonce", "")
    # Safe: json_script's escaped element with one escaped attribute added.
    block = mark_safe(block.replace("<script ", format_html('<script nonce="{}" ', nonce), 1))  # noqa: S308  # nosec B308 B703
    return format_html(
        '{}<script async defer src="{}"></script><script type="module" src="{}"></script>',
        block,
        reverse("otp_webauthn:js-i18n-catalog"),
        static(SCRIPTS[ceremony]),
    )
