"""The door: check-in by name or scanned reference, refusal and irregularities."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from examens.search import (
    dropped_words_notice,
    looks_like_bsn,
    name_query,
    number_in_address_notice,
    return_path,
)
from examens.views.errors import act

from .. import permissions, selectors, services
from ..forms import DoorActionForm, DoorSearchForm
from ..qr import REFERENCE_PATTERN


def door(request, session_id: int):
    """Check-in: find by name or scanned reference, confirm identity, admit or refuse.

    The search is a GET (the scanner types a reference and presses enter). A
    number in it that is not a booking reference may be a BSN: it is refused
    unseen, like every name search (examens.search); names are capped in words.
    """
    session = permissions.session_for_door(request.user, session_id)
    raw = request.GET.get("q", "").strip()
    number = looks_like_bsn(raw) and not REFERENCE_PATTERN.fullmatch(raw.upper())
    search = DoorSearchForm(None if number else (request.GET or None))
    terms = name_query(search.cleaned_data["q"] if search.is_valid() else "")
    action_form = DoorActionForm(request.POST or None)

    def page(status: int = 200):
        return render(
            request,
            "scheduling/door.html",
            {
                "session": session,
                "search": search,
                "bookings": selectors.find_bookings(session, words=terms.words),
                "query": terms.text,
                "notice": number_in_address_notice() if number else dropped_words_notice(terms),
                # The language switch returns here: never to an address that carried a number.
                "language_next": return_path(request),
            },
            status=400 if number and status == 200 else status,
        )

    def refused(error):
        messages.error(request, str(error.message))
        return page(status=409)

    if request.method == "POST":
        booking = permissions.booking_at_door(request.user, session, request.POST.get("booking"))
        if action_form.is_valid():
            return act(
                request,
                lambda: _door_action(request, booking, action_form.cleaned_data),
                success=lambda message: message,
                then=reverse("scheduling:door", kwargs={"session_id": session.pk}),
                refused=refused,
            )
    return page()


def _door_action(request, booking, data: dict) -> str:
    """Do the chosen door action; return what to tell the person at the door."""
    if data["action"] == "check_in":
        services.check_in_booking(
            booking, actor=request.user, identity_confirmed=data["identity_confirmed"]
        )
        return _("Checked in.")
    if data["action"] == "reject":
        services.reject_at_door(booking, actor=request.user, reason=data["text"])
        return _("Refused; the attempt is not consumed.")
    services.report_irregularity(booking, actor=request.user, description=data["text"])
    return _("The irregularity has been recorded.")
