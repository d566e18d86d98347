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


def refuse_when_passed(ctx: EligibilityContext) -> BookingRefused | None:
    """Refuse a booking for a component the candidate already passed at the plan's level.

    Only released, current result versions count: a pass corrected into a
    fail no longer blocks a new attempt. Reads only: one narrow query without
    the joins of Result's default ordering.
    """
    passes = Result.objects.filter(
        candidate_id=ctx.candidate.pk,
        component_id=ctx.session.component_id,
        is_current=True,
        status=Result.Status.RELEASED,
        outcome__in=Result.PASSING_OUTCOMES,
    )
    levels = _levels_at_least(ctx.plan_level)
    if levels is not None:
        passes = passes.filter(level__in=levels)
    sat_on = list(passes.order_by().values_list("sat_on", flat=True)[:1])
    if sat_on:
        return BookingRefused(
            _("The candidate already passed this component (on %(day)s).")
            % {"day": sat_on[0].isoformat()},
            code="already_passed",
            field="candidate",
        )
    return None
