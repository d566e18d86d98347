"""Removing a second factor (an authenticator app, a passkey): a page of its own asks.

The GET shows what goes and what happens then, and writes nothing; the POST calls
the removal service and returns to the security page with the outcome as a
message. Both need a fresh factor: without one the user confirms with a code and
comes back to the question. Which factor, its service and the words are the
caller's; the steps and the page are the same for every kind.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .errors import act
from .fresh import confirm_first, factor_is_fresh

TEMPLATE = "examens/auth/factor_remove.html"


def confirm_then_remove(
    request: HttpRequest,
    *,
    here: str,
    heading: str,
    consequence: str,
    remove: Callable[[], object],
    success: str,
    refusal: str | None = None,
) -> HttpResponse:
    """Ask (GET) or remove (POST) one second factor of the signed-in user.

    `here` is the question's own URL (the form posts to it, re-verification comes
    back to it); `heading` and `consequence` say what is removed and what happens
    then; `remove` calls the service; `success` is the message after it. `refusal`,
    when given, is why the factor cannot be removed now (the service's own rule,
    read in advance): the page says so and offers no button. The service refuses
    a POST all the same; its refusal becomes an error message on the security page.
    """
    if not factor_is_fresh(request):
        return confirm_first(request, here)
    if request.method != "POST":
        return render(
            request,
            TEMPLATE,
            {
                "heading": heading,
                "consequence": consequence,
                "action": here,
                "refusal": refusal,
            },
        )
    return act(request, remove, success=success, then=reverse("examens:security"))
