"""A fresh second factor for sensitive actions (as pretix does for sensitive settings).

Logging in, enrolling and re-verifying stamp the session; a view decorated with
`fresh_factor_required` sends the user to re-enter a code when that stamp is
older than settings.OTP_FRESHNESS_SECONDS; `confirm_first` does so from inside a
view, with a message, and brings the user back to the page given.
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

FRESH_SESSION_KEY = "otp_verified_at"


def mark_factor_fresh(request: HttpRequest) -> None:
    request.session[FRESH_SESSION_KEY] = time.time()


def factor_is_fresh(request: HttpRequest) -> bool:
    verified_at = request.session.get(FRESH_SESSION_KEY)
    if not isinstance(verified_at, int | float):
        return False
    return 0 <= time.time() - verified_at <= settings.OTP_FRESHNESS_SECONDS


def confirm_first(request: HttpRequest, then: str) -> HttpResponse:
    """Changing second factors needs a code entered in the last few minutes."""
    messages.info(request, _("Confirm with a current code first, then try again."))
    return redirect(f"{reverse('examens:reverify')}?{urlencode({'next': then})}")


def fresh_factor_required(view):
    """Send the user to re-enter a code when the last one is older than the freshness window."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not factor_is_fresh(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('examens:reverify')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
