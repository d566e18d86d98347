"""Booking pages: cancel, no-show, reschedule, and the waiting list with its offers."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from examens.views.errors import act, submit

from .. import permissions, selectors, services
from ..forms import CancelBookingForm, RescheduleForm, WaitingListForm
from .planning import session_url


@require_POST
def booking_cancel(request, booking_id: int):
    booking = permissions.booking_for_planner(request.user, booking_id)
    form = CancelBookingForm(request.POST)
    form.is_valid()
    return act(
        request,
        lambda: services.cancel_booking(
            booking,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            reason_accepted=form.cleaned_data.get("reason_accepted", False),
        ),
        success=_("The booking is cancelled."),
        then=session_url(booking.session_id),
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


def waiting_list(request):
    centres = permissions.planner_centres(request.user)
    form = WaitingListForm(request.POST or None, centres=centres)
    return submit(
        request,
        form,
        lambda data: services.add_to_waiting_list(
            permissions.candidate_for_booking(request.user, data["candidate"]),
            actor=request.user,
            centre=data["centre"],
            component=data["component"],
        ),
        success=_("The candidate is on the waiting list."),
        then=reverse("scheduling:waiting-list"),
        template="scheduling/waiting_list.html",
        context=lambda: {"entries": selectors.waiting_list_of(centres), "form": form},
    )


@require_POST
def offer_accept(request, entry_id: int):
    entry = permissions.waiting_entry_for_planner(request.user, entry_id)
    return act(
        request,
        lambda: services.accept_offer(entry, actor=request.user),
        success=lambda booking: _("Booked (reference %(ref)s).") % {"ref": booking.reference},
        then=reverse("scheduling:waiting-list"),
    )
