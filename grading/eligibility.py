"""Grading's booking rule, registered with scheduling at start-up (see GradingConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from scheduling.eligibility import EligibilityContext
from scheduling.exceptions import BookingRefused

from .models import Result
from .scoring import LEVEL_ORDER


def _levels_at_least(required: str) -> tuple[str, ...] | None:
    """The levels that meet `required` (as scoring.level_at_least); None: any level does."""
    if not required:
        return None
    return LEVEL_ORDER[LEVEL_ORDER.index(required) :]


def _first_pass(candidate_id: int, component_id: int, levels: tuple[str, ...] | None):
    """The day of a released, current passing result at one of `levels` (any when None)."""
    passes = Result.objects.filter(
        candidate_id=candidate_id,
        component_id=component_id,
        is_current=True,
        status=Result.Status.RELEASED,
        outcome__in=Result.PASSING_OUTCOMES,
    )
    if levels is not None:
        passes = passes.filter(level__in=levels)
    return passes.values_list("sat_on", flat=True).first()


def refuse_when_passed(ctx: EligibilityContext) -> BookingRefused | None:
    """Refuse a booking for a component the candidate already passed at the plan's level.

    Only released, current result versions count: a pass corrected into a
    fail no longer blocks a new attempt. Reads only.
    """
    levels = _levels_at_least(ctx.plan_level)
    sat_on = _first_pass(ctx.candidate.pk, ctx.session.component_id, levels)
    if sat_on is not None:
        return BookingRefused(
            _("The candidate already passed this component (on %(day)s).")
            % {"day": sat_on.isoformat()},
            code="already_passed",
            field="candidate",
        )
    return None
