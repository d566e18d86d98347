"""Staff login: password, then a second factor (TOTP or a backup code), forced enrolment.

After the password, a user without a confirmed authenticator app must enrol
one (examens:otp-enrol); everybody else proves one (examens:otp-verify).
Passwords and codes are throttled per account and per client address
(examens.throttle, decision 0012); a refusal answers 429 with Retry-After.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import django_otp
import qrcode
from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from .. import passkeys, twofactor
from ..addresses import client_address
from ..forms_auth import EnrolForm, LoginForm, VerifyForm
from ..login import InvalidCredentials, LoginThrottled, authenticate_password
from ..request_user import is_verified, staff_user
from .factor_removal import confirm_then_remove
from .fresh import confirm_first, factor_is_fresh, mark_factor_fresh
from .known import is_known_device, remember_device

BACKUP_CODES_SESSION_KEY = "examens_backup_codes"
PASSKEY_NAME_SESSION_KEY = "examens_passkey_name"  # the name for the passkey being added


# --- helpers ------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    """The `next` target if it stays on this site, else the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _refused_code(form, error: twofactor.TwoFactorError) -> int:
    """Show why a code was refused; return the status to answer with.

    Throttling is about the account, not the field: it goes on top of the form.
    """
    if isinstance(error, twofactor.TokenThrottled):
        form.add_error(None, str(error.message))
        return 429
    form.add_error("token", str(error.message))
    return 400


def _render_refusable(request, template: str, context: dict, status: int, error) -> HttpResponse:
    """Render the form; a throttled answer tells when to come back (Retry-After)."""
    response = render(request, template, context, status=status)
    if isinstance(error, twofactor.TokenThrottled | LoginThrottled):
        response["Retry-After"] = str(error.wait_seconds)
    return response


def _check_code(request: HttpRequest, user, token: str):
    """The device a code verifies, throttled by this client's address and known device."""
    return twofactor.verify_second_factor(
        user,
        token=token,
        address=client_address(request),
        known=is_known_device(request, user.get_username()),
    )


def _complete_login(request: HttpRequest, device, response: HttpResponse) -> HttpResponse:
    """A new session key (no fixation), the device verified, the factor fresh, and
    this browser a known device of the account from now on."""
    request.session.cycle_key()
    django_otp.login(request, device)
    mark_factor_fresh(request)
    remember_device(request, response, device.user.get_username())
    return response


def _with_next(url_name: str, request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    url = reverse(url_name)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = f"{url}?{urlencode({'next': target})}"
    return url


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1]
    return svg


def _grouped(secret: str, size: int = 4) -> str:
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


# --- password -----------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """First step: the password. Then on to enrolment or verification."""
    if request.user.is_authenticated and is_verified(request.user):
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    status = 200
    error = None
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            user = authenticate_password(
                request,
                username=username,
                password=form.cleaned_data["password"],
                address=client_address(request),
                known=is_known_device(request, username),
            )
        except (InvalidCredentials, LoginThrottled) as refused:
            error = refused
            form.add_error(None, str(refused.message))
            status = refused.status if isinstance(refused, LoginThrottled) else 200
        else:
            auth.login(request, user)
            if twofactor.has_confirmed_totp(user):
                return redirect(_with_next("examens:otp-verify", request))
            return redirect(_with_next("examens:otp-enrol", request))
    return _render_refusable(
        request,
        "examens/auth/login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
        status,
        error,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    messages.success(request, _("You have logged out."))
    return redirect(settings.LOGIN_URL)


# --- second factor ------------------------------------------------------------------


@sensitive_post_parameters("token")
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the authenticator app or a backup code."""
    user = staff_user(request)
    if is_verified(user):
        return redirect(_safe_next(request))
    if not twofactor.has_confirmed_totp(user):
        return redirect(_with_next("examens:otp-enrol", request))
    form = VerifyForm(request.POST or None)
    status = 200
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            device = _check_code(request, user, form.cleaned_data["token"])
        except twofactor.TwoFactorError as refused:
            error = refused
            status = _refused_code(form, refused)
        else:
            return _complete_login(request, device, redirect(_safe_next(request)))
    return _render_refusable(
        request,
        "examens/auth/verify.html",
        {
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "has_passkey": passkeys.has_passkey(user),
        },
        status,
        error,
    )


@sensitive_post_parameters("token")
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: forced after the first password login, or from Security.

    A user who already has an app must first prove it: without that, a stolen
    password would be enough to add an attacker's app. A GET writes nothing: it
    shows the enrolment in progress, or a button that starts one (a POST, which
    makes the secret and its audit event) and comes back here.
    """
    user = staff_user(request)
    if not is_verified(user) and twofactor.has_confirmed_totp(user):
        return redirect(_with_next("examens:otp-verify", request))
    if is_verified(user) and not factor_is_fresh(request):
        return confirm_first(request, reverse("examens:otp-enrol"))
    if request.method == "POST" and request.POST.get("action") == "start":
        twofactor.start_totp_enrolment(user, actor=user)
        return redirect(_with_next("examens:otp-enrol", request))
    device = twofactor.pending_totp_device(user)
    context = {
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "forced": not is_verified(user),
        "device": device,
    }
    if device is None:
        return render(request, "examens/auth/enrol.html", context)
    form = EnrolForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_totp_device(
                device,
                actor=user,
                token=form.cleaned_data["token"],
                name=form.cleaned_data["name"] or twofactor.DEFAULT_TOTP_NAME,
            )
        except twofactor.TwoFactorError as error:
            status = _refused_code(form, error)
        else:
            device.refresh_from_db()
            if codes:
                request.session[BACKUP_CODES_SESSION_KEY] = codes
                then = redirect(_with_next("examens:otp-backup-codes", request))
            else:
                messages.success(request, _("Your authenticator app has been added."))
                then = redirect("examens:security")
            return _complete_login(request, device, then)
    secret = base64.b32encode(device.bin_key).decode()
    # qrcode's SVG of the device's own otpauth URL: markup we generate, nothing typed in.
    svg = _qr_svg(device.config_url)
    qr_svg = mark_safe(svg)  # noqa: S308  # nosec B308 B703
    return render(
        request,
        "examens/auth/enrol.html",
        {
            **context,
            "form": form,
            "qr_svg": qr_svg,
            "secret": _grouped(secret),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET"])
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    """Show freshly made backup codes exactly once, then forget them."""
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        messages.info(
            request,
            _("Backup codes are shown only once. You can make new ones on the Security page."),
        )
        if is_verified(request.user):
            return redirect("examens:security")
        return redirect(_with_next("examens:otp-verify", request))
    return render(
        request,
        "examens/auth/backup_codes.html",
        {"codes": codes, "next_url": _safe_next(request)},
    )


# --- security page ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def security_view(request: HttpRequest) -> HttpResponse:
    """My authenticator apps, my backup codes; add an app, make new codes."""
    user = staff_user(request)
    if request.method == "POST":
        if not factor_is_fresh(request):
            return confirm_first(request, reverse("examens:security"))
        if request.POST.get("action") == "regenerate-backup-codes":
            codes = twofactor.regenerate_backup_codes(user, actor=user)
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            return redirect("examens:otp-backup-codes")
        return redirect("examens:security")
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))
    return render(
        request,
        "examens/auth/security.html",
        {
            "devices": devices,
            "passkeys": passkeys.passkeys_for_user(user),
            "fresh": factor_is_fresh(request),
            "passkey_name": request.session.get(PASSKEY_NAME_SESSION_KEY, ""),
            "can_remove": len(devices) > 1,
            "backup_remaining": twofactor.backup_codes_remaining(user),
        },
    )


@require_http_methods(["GET", "POST"])
def remove_device_view(request: HttpRequest, device_id: int) -> HttpResponse:
    """Remove one of my authenticator apps: a page of its own asks first (GET), the POST
    removes. The only app cannot go (twofactor.LastDevice): the page says so instead."""
    user = staff_user(request)
    device = twofactor.totp_device_for_user(user, device_id)
    last = not twofactor.can_remove_device(device)
    return confirm_then_remove(
        request,
        here=reverse("examens:device-remove", args=[device.pk]),
        heading=_("Remove the authenticator app?"),
        consequence=_(
            "After this, the app “%(name)s” no longer gives you login codes. Your other "
            "authenticator apps keep working, and so do your backup codes and any passkeys. "
            "You can add the app again later."
        )
        % {"name": device.name},
        remove=lambda: twofactor.remove_device(device, actor=user),
        success=_("The authenticator app “%(name)s” was removed.") % {"name": device.name},
        refusal=str(twofactor.LastDevice().message) if last else None,
    )


@sensitive_post_parameters("token")
@never_cache
@require_http_methods(["GET", "POST"])
def reverify_view(request: HttpRequest) -> HttpResponse:
    """Enter a current code again before a sensitive action (release, correction, devices)."""
    form = VerifyForm(request.POST or None)
    status = 200
    error = None
    target = _safe_next(request)
    user = staff_user(request)
    if request.method == "POST" and form.is_valid():
        try:
            _check_code(request, user, form.cleaned_data["token"])
        except twofactor.TwoFactorError as refused:
            error = refused
            status = _refused_code(form, refused)
        else:
            mark_factor_fresh(request)
            return redirect(target)
    return _render_refusable(
        request,
        "examens/auth/reverify.html",
        {"form": form, "next": target, "has_passkey": passkeys.has_passkey(user)},
        status,
        error,
    )
