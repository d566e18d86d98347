"""Passkey ceremonies: django-otp-webauthn's JSON views, wrapped in our rules.

The package's JavaScript (its static files, allowed by the CSP as 'self')
calls these four views; they keep the package's URL names (namespace
`otp_webauthn`, examens/passkey_urls.py) so its script tags find them. Each
view leaves the checking of the ceremony to the package and the rules to
examens.passkeys: registration needs a verified session and a fresh factor,
authentication is a second factor only (never passwordless), is throttled
like a code and, when it logs in, does what a code does (new session key,
fresh factor, known device). The security page's forms (name a key, remove
one) work without JavaScript: the naming below, the removal through
examens.views.factor_removal.
"""

from __future__ import annotations

import django_otp
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn_views

from .. import passkeys, twofactor
from ..addresses import client_address
from ..exceptions import ExamAdminError, FreshFactorRequired, NotPermitted
from ..request_user import is_verified, staff_user
from .auth import PASSKEY_NAME_SESSION_KEY
from .factor_removal import confirm_then_remove
from .fresh import confirm_first, factor_is_fresh, mark_factor_fresh
from .known import is_known_device, remember_device


class FreshFactorNeeded(webauthn_errors.OTPWebAuthnApiError):
    status_code = 403
    default_code = "fresh_factor_required"


def _error_json(error: ExamAdminError) -> JsonResponse:
    message = str(error.message)
    status = getattr(error, "status", 400)
    if isinstance(error, NotPermitted):
        status = 403
    response = JsonResponse(
        {"detail": message, "error": message, "code": error.code}, status=status
    )
    if isinstance(error, twofactor.TokenThrottled):
        response["Retry-After"] = str(error.wait_seconds)
    return response


class _OurErrors:
    """Our refusals as the JSON the package's script shows (`detail`, `error`)."""

    def handle_exception(self, exc):
        if isinstance(exc, ExamAdminError):
            return _error_json(exc)
        return super().handle_exception(exc)


class _RegistrationRules:
    def check_can_register(self):
        request = self.request
        if not is_verified(request.user) or not factor_is_fresh(request):
            raise FreshFactorNeeded(detail=str(FreshFactorRequired().message))


class BeginRegistration(
    _OurErrors, _RegistrationRules, webauthn_views.BeginCredentialRegistrationView
):
    pass


class CompleteRegistration(
    _OurErrors, _RegistrationRules, webauthn_views.CompleteCredentialRegistrationView
):
    def post(self, *args, **kwargs):
        user = staff_user(self.request)
        state = self.get_state()
        passkey = passkeys.add_passkey(
            user,
            actor=user,
            helper=self.get_helper(),
            state=state,
            data=self.request.data,
            name=self.request.session.get(PASSKEY_NAME_SESSION_KEY, ""),
        )
        self.request.session.pop(PASSKEY_NAME_SESSION_KEY, None)
        messages.success(
            self.request, _("The passkey “%(name)s” has been added.") % {"name": passkey.name}
        )
        return JsonResponse({"id": passkey.pk})


class _SecondFactorOnly:
    def check_can_authenticate(self):
        # A second factor only, never passwordless: the password step logged the user in.
        if not self.request.user.is_authenticated:
            raise webauthn_errors.NotAuthenticated()
        super().check_can_authenticate()


class BeginAuthentication(
    _OurErrors, _SecondFactorOnly, webauthn_views.BeginCredentialAuthenticationView
):
    pass


class CompleteAuthentication(
    _OurErrors, _SecondFactorOnly, webauthn_views.CompleteCredentialAuthenticationView
):
    """Log in (second step) or confirm afresh (re-verification) with a passkey."""

    def post(self, *args, **kwargs) -> HttpResponse:
        request = self.request
        user = staff_user(request)
        state = self.get_state()
        passkey = passkeys.verify_passkey(
            user,
            helper=self.get_helper(),
            state=state,
            data=request.data,
            address=client_address(request),
            known=is_known_device(request, user.get_username()),
        )
        response = JsonResponse(self.get_success_data(passkey))
        if not is_verified(request.user):
            request.session.cycle_key()
            django_otp.login(request, passkey)
            remember_device(request, response, user.get_username())
        mark_factor_fresh(request)
        return response


# --- the security page's passkey forms (they work without JavaScript) ----------------


class PasskeyNameForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the passkey"),
        max_length=passkeys.NAME_MAX_LENGTH,
        help_text=gettext_lazy("So you can tell your keys apart, e.g. “Laptop” or “Security key”."),
    )


@require_POST
def passkey_name_view(request: HttpRequest) -> HttpResponse:
    """Step one of adding a passkey: its name (kept in the session for the ceremony).

    Needs a fresh factor; the ceremony itself (JavaScript) then registers the key.
    """
    staff_user(request)
    then = reverse("examens:security")
    if not factor_is_fresh(request):
        return confirm_first(request, then)
    form = PasskeyNameForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["name"][0]))
        return redirect(then)
    request.session[PASSKEY_NAME_SESSION_KEY] = form.cleaned_data["name"].strip()
    return redirect(f"{then}#passkeys-heading")


@require_http_methods(["GET", "POST"])
def remove_passkey_view(request: HttpRequest, passkey_id: int) -> HttpResponse:
    """Remove one of my passkeys: a page of its own asks first (GET), the POST removes."""
    user = staff_user(request)
    passkey = passkeys.passkey_for_user(user, passkey_id)
    return confirm_then_remove(
        request,
        here=reverse("examens:passkey-remove", args=[passkey.pk]),
        heading=_("Remove the passkey?"),
        consequence=_(
            "After this, the passkey “%(name)s” no longer stands in for a code. Your "
            "authenticator app keeps working. You can add the passkey again later."
        )
        % {"name": passkey.name},
        remove=lambda: passkeys.remove_passkey(passkey, actor=user),
        success=_("The passkey “%(name)s” was removed.") % {"name": passkey.name},
    )
