"""Booking pages: a booking's own page, where its actions live (cancel after confirming,
no-show, reschedule). The waiting list is in `waiting.py`."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from examens.views.errors import act, submit

from .. import permissions, selectors, services
from ..forms import CancelBookingForm, RescheduleForm
from ..models import Booking
from .planning import session_url


def booking_url(booking_id: int) -> str:
    return reverse("scheduling:booking-detail", kwargs={"booking_id": booking_id})


def _policy(booking: Booking) -> dict:
    """What the booking's pages say about the cancellation and move policy."""
    return {
        "booking": booking,
        "session": booking.session,
        "started": timezone.now() >= booking.session.starts_at,
        "late": selectors.late_move(booking),
        "free_days": selectors.policy_for(booking.component).free_cancellation_days,
    }


def booking_detail(request, booking_id: int):
    """One booking with what can be done with it; the session page lists bookings only."""
    booking = permissions.booking_for_planner(request.user, booking_id)
    return render(request, "scheduling/booking_detail.html", _policy(booking))


@require_http_methods(["GET", "POST"])
def booking_cancel(request, booking_id: int):
    """Cancel after confirming, on a page of its own: the reason is given here."""
    booking = permissions.booking_for_planner(request.user, booking_id)
    form = CancelBookingForm(request.POST or None)
    return submit(
        request,
        form,
        lambda data: services.cancel_booking(
            booking,
            actor=request.user,
            reason=data["reason"],
            reason_accepted=data["reason_accepted"],
        ),
        success=_("The booking is cancelled."),
        then=session_url(booking.session_id),
        template="scheduling/booking_cancel.html",
        context=lambda: {**_policy(booking), "form": form},
    )


@require_POST
def booking_no_show(request, booking_id: int):
    booking = permissions.booking_for_planner(request.user, booking_id)
    return act(
        request,
        lambda: services.mark_no_show(booking, actor=request.user),
        success=_("Marked as a no-show; the attempt counts."),
        then=session_url(booking.session_id),
    )


def booking_reschedule(request, booking_id: int):
    """Move a booking to another published session of the same component."""
    booking = permissions.booking_for_planner(request.user, booking_id)
    targets = selectors.reschedule_targets(booking, permissions.planner_centres(request.user))
    form = RescheduleForm(request.POST or None, sessions=targets)
    return submit(
        request,
        form,
        lambda data: services.reschedule_booking(
            booking,
            actor=request.user,
            to_session=data["to_session"],
            reason=data["reason"],
            reason_accepted=data["reason_accepted"],
        ),
        success=lambda new: (
            _("The booking is moved (new reference %(ref)s).") % {"ref": new.reference}
        ),
        then=lambda new: redirect(session_url(new.session_id)),
        template="scheduling/reschedule.html",
        context=lambda: {
            "booking": booking,
            "form": form,
            "has_targets": targets.exists(),
            "late": selectors.late_move(booking),
            "free_days": selectors.policy_for(booking.component).free_cancellation_days,
        },
    )
