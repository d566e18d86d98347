"""Public verification (no login), published keys and status list; staff download and status."""

from __future__ import annotations

import math
from functools import partial

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from examens import throttle
from examens.addresses import client_address
from examens.gates import gate, require
from examens.models import Component, Route
from examens.views.errors import act, submit

from .cache import hit_window
from .forms import RevokeForm
from .models import SUSPEND_REASONS, Certificate
from .pdf import outcome_texts
from .permissions import can_manage, certificate_for_downloader, certificate_for_manager
from .selectors import (
    public_keys_document,
    status_list_document,
    verification_count,
    verify_online,
)
from .services import (
    reinstate_certificate,
    revoke_certificate,
    suspend_certificate,
)
from .storage import open_certificate_pdf
from .verification import Outcome, VerificationResult, reason_label

DOWNLOAD_SALT = "certificates.candidate-download"


# --- rate limiting -----------------------------------------------------------------------


def rate_limited(request) -> int:
    """A fixed one-minute window per client address in the cache (shared across workers).

    Returns 0, or the seconds until the next window when this request is over
    the limit. The address is the one every limit counts (examens.addresses:
    X-Forwarded-For only from TRUSTED_PROXIES, IPv6 by /64); the clock is the
    throttle's. The window is part of the key, so a counter that outlives its
    minute never blocks the next one. One increment per request; the first
    request of a window creates the counter.
    """
    limit = getattr(settings, "CERTIFICATE_VERIFY_RATE_PER_MINUTE", 60)
    at = throttle.now()
    window = int(at // 60)
    key = f"certificates:verify-rate:{client_address(request)}:{window}"
    if hit_window(key, 120) <= limit:
        return 0
    return max(1, math.ceil((window + 1) * 60 - at))


def _too_many(request, wait: int, *, as_json: bool):
    response: HttpResponse
    if as_json:
        response = JsonResponse({"error": "rate_limited"}, status=429)
    else:
        response = render(request, "certificates/rate_limited.html", status=429)
    response["Retry-After"] = str(wait)
    return response


# --- public verification -----------------------------------------------------------------


def _verify(token: str) -> VerificationResult:
    """Verify and count the scan (valid, suspended or revoked: see `verify_online`)."""
    result, _certificate_id = verify_online(token, count=True)
    return result


def _as_json(result: VerificationResult) -> dict:
    body: dict = {
        "outcome": result.outcome,
        "message": {"nl": result.message_nl, "en": result.message_en},
    }
    if result.status is not None and result.outcome in (Outcome.SUSPENDED, Outcome.REVOKED):
        body["status"] = {
            "status": result.status.status,
            "reason": result.status.reason,
            "reason_label": reason_label(result.status.reason),
            "since": result.status.since.isoformat() if result.status.since else None,
        }
    if result.key is not None:
        body["key"] = {
            "key_id": result.key.key_id,
            "valid_from": result.key.valid_from.isoformat(),
            "valid_until": result.key.valid_until.isoformat() if result.key.valid_until else None,
        }
    if result.data is not None:
        data = result.data
        body["certificate"] = {
            "serial": data.serial,
            "given_names": data.given_names,
            "family_name": data.family_name,
            "date_of_birth": data.date_of_birth.isoformat(),
            "regime": data.regime,
            "route": data.route,
            "issuer": data.issuer,
            "issued_on": data.issued_on.isoformat(),
            "components": [
                {"code": c.code, "outcome": c.outcome, "level": c.level} for c in data.components
            ],
        }
    return body


@never_cache
@require_GET
def verify(request, token: str):
    """The page the QR code opens: the verdict, the key, and the printed data to compare."""
    if wait := rate_limited(request):
        return _too_many(request, wait, as_json=False)
    result = _verify(token)
    context: dict = {
        "result": result,
        "json_url": reverse("certificates:verify-json", args=[token]),
    }
    if result.status is not None and result.status.reason:
        context["reason"] = reason_text(result.status.reason)
    data = result.data
    if data is not None:
        route = (
            Route.objects.select_related("regime")
            .filter(code=data.route, regime__code=data.regime)
            .first()
        )
        names = {
            c.code: c
            for c in Component.objects.filter(code__in=[item.code for item in data.components])
        }
        context["route"] = route
        context["components"] = [
            {
                "item": item,
                "component": names.get(item.code),
                "outcome": outcome_texts(item.outcome, item.level),
            }
            for item in data.components
        ]
    return render(request, "certificates/verify.html", context)


@never_cache
@require_GET
def verify_json(request, token: str):
    """The same verdict for machines."""
    if wait := rate_limited(request):
        return _too_many(request, wait, as_json=True)
    result = _verify(token)
    return JsonResponse(_as_json(result), json_dumps_params={"ensure_ascii": False})


@require_GET
def public_keys(request):
    """Every signing key with its window, for offline verifiers. Stable URL."""
    response = JsonResponse(public_keys_document())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@never_cache
@require_GET
def status_list(request):
    """The signed list of suspended and revoked serials. Stable URL, always current."""
    response = JsonResponse(status_list_document(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- downloads ---------------------------------------------------------------------------


def _pdf_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(open_certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificaat-{certificate.serial}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def candidate_download_url(certificate: Certificate) -> str:
    """An expiring link for the holder: the signed serial (never a BSN), TimestampSigner."""
    value = signing.TimestampSigner(salt=DOWNLOAD_SALT).sign(certificate.serial)
    return settings.SITE_URL + reverse("certificates:candidate-download", args=[value])


def download_link_max_age() -> int:
    return getattr(settings, "CERTIFICATE_DOWNLOAD_LINK_SECONDS", 14 * 24 * 3600)


@require_GET
def candidate_download(request, value: str):
    """The holder's download through an expiring signed link, of a valid certificate only:
    suspended or revoked, the link answers 404 (and works again after a reinstatement)."""
    try:
        serial = signing.TimestampSigner(salt=DOWNLOAD_SALT).unsign(
            value, max_age=download_link_max_age()
        )
    except signing.BadSignature:
        raise Http404 from None
    certificate = gate(Certificate.objects.filter(status=Certificate.Status.VALID), serial=serial)
    return _pdf_response(certificate)


@require_GET
def download(request, pk: int):
    return _pdf_response(certificate_for_downloader(request.user, pk))


def detail(request, pk: int):
    certificate = certificate_for_downloader(request.user, pk)
    link = None
    if request.method == "POST" and request.POST.get("action") == "link":
        link = candidate_download_url(certificate)
    return render(
        request,
        "certificates/detail.html",
        {
            "certificate": certificate,
            "can_manage": can_manage(request.user, certificate),
            "verification_count": verification_count(certificate),
            "link": link,
            "link_days": download_link_max_age() // 86400,
            "verify_url": reverse("certificates:verify", args=[certificate.payload]),
            "suspend_reasons": [(code, reason_text(code)) for code in SUSPEND_REASONS],
        },
    )


# Suspending takes a reason code (shown to verifiers); reinstating does not. Revoking is
# destructive: it has a confirmation page of its own (`revoke`), not a button here.
CODED_ACTIONS = {"suspend": suspend_certificate}


def reason_text(code: str) -> str:
    """A reason code's label in the page's language (Certificate.ReasonCode)."""
    return str(Certificate.ReasonCode(code).label) if code in Certificate.ReasonCode else code


@require_POST
def change_status(request, pk: int, action: str):
    certificate = certificate_for_manager(request.user, pk)
    require(action in CODED_ACTIONS or action == "reinstate")
    reason = request.POST.get("reason", "")
    if action == "reinstate":
        call = partial(reinstate_certificate, certificate, actor=request.user, reason=reason)
    else:
        call = partial(
            CODED_ACTIONS[action],
            certificate,
            actor=request.user,
            reason_code=request.POST.get("reason_code", ""),
            reason=reason,
        )
    return act(
        request,
        call,
        success=_("The status of the certificate was changed."),
        then=reverse("certificates:detail", kwargs={"pk": certificate.pk}),
    )


def revoke(request, pk: int):
    """Revoking for good, confirmed on a page of its own: GET shows the consequences and
    the form (and changes nothing), POST revokes through revoke_certificate, which
    authorises the actor; a missing reason is shown on its field."""
    certificate = certificate_for_manager(request.user, pk)
    form = RevokeForm(request.POST or None)
    return submit(
        request,
        form,
        lambda data: revoke_certificate(
            certificate,
            actor=request.user,
            reason_code=data["reason_code"],
            reason=data["reason"],
        ),
        success=_("The certificate is revoked."),
        then=reverse("certificates:detail", kwargs={"pk": certificate.pk}),
        template="certificates/revoke.html",
        context={"certificate": certificate, "form": form},
    )
