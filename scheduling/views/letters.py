"""Letters by post (decision 0029): the planner's list of letters to post (invitations,
moves, reminders, cancellations), each letter as a PDF in Dutch or English, and "mark
as sent" confirmed on a page of its own.

The kind of letter travels as `?kind=` on the PDF and the confirmation page and as
the form field `kind` of the POST; an unknown kind is answered 400 with a message
(the services refuse it too). Tenancy: the list holds only bookings of centres the
planner plans; a booking of another centre is a 404 (the gate), and the services
refuse anyone else (403). The PDF is rendered here, after the read, outside any
transaction or row lock.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from examens.gates import require
from examens.permissions import CANDIDATE_CHANGE_ROLES, visible_candidates
from examens.views.errors import act

from .. import permissions
from ..exceptions import BookingStateError
from ..letter_pdf import KINDS, LANGUAGES, render_letter
from ..models import Booking
from ..services.letters import (
    describe_letters,
    letter_for_booking,
    letter_kind,
    letters_due,
    mark_letter_sent,
)

PER_PAGE = 50
KIND_LABELS = {
    "invitation": gettext_lazy("Invitation"),
    "move": gettext_lazy("Exam moved"),
    "reminder": gettext_lazy("Reminder"),
    "cancellation": gettext_lazy("Cancellation"),
}
# The PDF's file name per kind and language (the reference follows).
FILE_NAMES = {
    "nl": {
        "invitation": "uitnodiging",
        "move": "verplaatsing",
        "reminder": "herinnering",
        "cancellation": "annulering",
    },
    "en": {
        "invitation": "invitation",
        "move": "moved",
        "reminder": "reminder",
        "cancellation": "cancellation",
    },
}


def letters_url() -> str:
    return reverse("scheduling:letters")


def _letters_page(request, *, status: int = 200):
    centres = permissions.planner_centres(request.user)
    require(centres.exists())
    due = letters_due(Booking.objects.filter(session__centre__in=centres))
    page = Paginator(due, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"letter": row, "label": KIND_LABELS[row.kind]} for row in describe_letters(page)]
    # A missing address links to the candidate's contact page for whoever may change it
    # (examens.permissions.can_edit_candidate, one query for the page); others are told
    # whom to ask. Planners are not widened: the municipality enters addresses.
    missing = [b.candidate_id for b in page if not b.candidate.postal_address.strip()]
    editable = set(
        visible_candidates(request.user, roles=CANDIDATE_CHANGE_ROLES)
        .filter(pk__in=missing)
        .values_list("pk", flat=True)
        if missing
        else ()
    )
    return render(
        request,
        "scheduling/letters.html",
        {
            "page": page,
            "rows": rows,
            "languages": LANGUAGES,
            "editable": editable,
            "here": request.get_full_path(),
        },
        status=status,
    )


@require_GET
def letters(request):
    """Bookings of the planner's centres with a letter to post, soonest session first."""
    return _letters_page(request)


def _bad_kind(request, kind: str | None):
    """An unknown kind of letter: 400, the letters page with the reason."""
    messages.error(
        request,
        _("Unknown kind of letter (%(kind)s): choose invitation, move, reminder or cancellation.")
        % {"kind": kind or "-"},
    )
    return _letters_page(request, status=400)


@require_GET
def letter_pdf(request, booking_id: int):
    """The letter of one booking as a PDF: `?kind=` (the letter due by default) in
    `?lang=` (nl or en; the candidate's own language by default). A missing postal
    address or a letter that is not due is refused with a message."""
    booking = permissions.booking_for_planner(request.user, booking_id)
    language = request.GET.get("lang") or booking.candidate.preferred_language
    if language not in LANGUAGES:
        language = "nl"
    kind = request.GET.get("kind") or letter_kind(booking) or "invitation"
    if kind not in KINDS:
        return _bad_kind(request, kind)
    try:
        letter = letter_for_booking(booking, actor=request.user, kind=kind)
    except BookingStateError as error:
        messages.error(request, str(error.message))
        return redirect(letters_url())
    response = HttpResponse(render_letter(letter, language), content_type="application/pdf")
    name = FILE_NAMES[language][kind]
    response["Content-Disposition"] = f'attachment; filename="{name}-{booking.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def letter_sent(request, booking_id: int):
    """Confirm, on a page of its own, that the letter of `kind` was posted; the POST
    (with the form field `kind`) marks it."""
    booking = permissions.booking_for_planner(request.user, booking_id)
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind not in KINDS:
            return _bad_kind(request, kind)
        return act(
            request,
            lambda: mark_letter_sent(booking, actor=request.user, kind=kind),
            success=_("The letter is marked as sent."),
            then=letters_url(),
        )
    kind = request.GET.get("kind") or letter_kind(booking) or "invitation"
    if kind not in KINDS:
        return _bad_kind(request, kind)
    return render(
        request,
        "scheduling/letter_sent.html",
        {"booking": booking, "kind": kind, "label": KIND_LABELS[kind]},
    )
