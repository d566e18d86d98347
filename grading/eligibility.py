"""Grading's booking rule, registered with scheduling at start-up (see GradingConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from scheduling.eligibility import EligibilityContext
from scheduling.exceptions import BookingRefused

from .models import Result
from .scoring import level_at_least


def refuse_when_passed(ctx: EligibilityContext) -> BookingRefused | None:
    """Refuse a booking for a component the candidate already passed at the plan's level.

    Only released, current result versions count: a pass corrected into a
    fail no longer blocks a new attempt. Reads only.
    """
    passes = Result.objects.filter(
        candidate=ctx.candidate,
        component_id=ctx.session.component_id,
        is_current=True,
        status=Result.Status.RELEASED,
        outcome__in=Result.PASSING_OUTCOMES,
    ).values_list("level", "sat_on")
    for level, sat_on in passes:
        if level_at_least(level, ctx.plan_level):
            return BookingRefused(
                _("The candidate already passed this component (on %(day)s).")
                % {"day": sat_on.isoformat()},
                code="already_passed",
                field="candidate",
            )
    return None
