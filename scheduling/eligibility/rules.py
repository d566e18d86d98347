"""The booking rules, one function each, in the order the planner reads them."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from examens.models import Decision

from ..exceptions import AlreadyBooked, BookingRefused, SessionFull
from ..models import ExamSession
from .context import Check, EligibilityContext


def required_by_route(ctx: EligibilityContext) -> BookingRefused | None:
    if ctx.requirement is None:
        return BookingRefused(
            _("The candidate's learning route does not include this component."),
            code="not_required_by_route",
            field="session",
        )
    return None


def level_matches_plan(ctx: EligibilityContext) -> BookingRefused | None:
    if ctx.requirement is None:
        return None
    if ctx.session.level not in ctx.allowed_levels:
        return BookingRefused(
            _("The session is at level %(session)s; the candidate's plan asks for %(plan)s.")
            % {"session": ctx.session.level or "—", "plan": ctx.plan_level or "—"},
            code="wrong_level",
            field="session",
        )
    return None


def not_exempted(ctx: EligibilityContext) -> BookingRefused | None:
    for decision in ctx.decisions:
        if decision.kind != Decision.Kind.EXEMPTION:
            continue
        if decision.component_id in (None, ctx.session.component_id):
            return BookingRefused(
                _("The candidate is exempted from this component (decision of %(day)s).")
                % {"day": decision.decided_on.isoformat()},
                code="exempted",
                field="candidate",
            )
    return None


def no_other_open_booking(ctx: EligibilityContext) -> BookingRefused | None:
    # Only a booking not sat yet blocks (a sat one allows a retake, decision 0026). A race
    # between two bookings is settled by the partial unique index on pending bookings.
    if ctx.has_pending_booking:
        return AlreadyBooked(field="candidate")
    return None


def session_open(ctx: EligibilityContext) -> BookingRefused | None:
    if ctx.session.status != ExamSession.Status.PUBLISHED:
        return BookingRefused(
            _("The session is not open for booking (status: %(status)s).")
            % {"status": ctx.session.get_status_display()},
            code="session_not_open",
            field="session",
        )
    if ctx.now >= ctx.session.booking_closes_at:
        return BookingRefused(
            _("Booking for this session closed at %(when)s.")
            % {
                "when": timezone.localtime(ctx.session.booking_closes_at).strftime("%d-%m-%Y %H:%M")
            },
            code="booking_closed",
            field="session",
        )
    return None


def accommodations_served(ctx: EligibilityContext) -> BookingRefused | None:
    missing = sorted(ctx.needs - set(ctx.session.accommodations))
    if missing:
        return BookingRefused(
            _("The session cannot serve the candidate's accommodation needs: %(needs)s.")
            % {"needs": ", ".join(missing)},
            code="accommodation_not_served",
            field="session",
            details={"missing": missing},
        )
    if ctx.extra_minutes > ctx.session.max_extra_minutes:
        return BookingRefused(
            _("The candidate needs %(need)s extra minutes; the session gives at most %(max)s.")
            % {"need": ctx.extra_minutes, "max": ctx.session.max_extra_minutes},
            code="extra_time_not_available",
            field="session",
        )
    return None


def seat_free(ctx: EligibilityContext) -> BookingRefused | None:
    if ctx.session.seats_free <= 0:
        return SessionFull(field="session")
    return None


# Candidate rules read the registry and the candidate's bookings; session rules read only
# the session row, so a booking runs them again after locking that row.
REGISTRY_CHECKS: list[Check] = [required_by_route, level_matches_plan, not_exempted]
BOOKING_CHECKS: list[Check] = [no_other_open_booking]
SESSION_CHECKS: list[Check] = [session_open, accommodations_served]
