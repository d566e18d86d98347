"""Grading's booking rule, registered with scheduling at start-up (see GradingConfig.ready)."""

from __future__ import annotations

import functools

from django.utils.translation import gettext as _

from examens import sql
from scheduling.eligibility import EligibilityContext
from scheduling.exceptions import BookingRefused

from .models import Result
from .scoring import LEVEL_ORDER


def _levels_at_least(required: str) -> tuple[str, ...] | None:
    """The levels that meet `required` (as scoring.level_at_least); None: any level does."""
    if not required:
        return None
    return LEVEL_ORDER[LEVEL_ORDER.index(required) :]


@functools.cache
def _first_pass_sql(level_count: int) -> str:
    column = functools.partial(sql.column, Result)
    outcomes = ", ".join(["%s"] * len(Result.PASSING_OUTCOMES))
    query = (
        f"SELECT {column('sat_on')} FROM {sql.table(Result)} "  # noqa: S608
        f"WHERE {column('candidate')} = %s AND {column('component')} = %s "
        f"AND {column('is_current')} = %s AND {column('status')} = %s "
        f"AND {column('outcome')} IN ({outcomes})"
    )
    if level_count:
        query += f" AND {column('level')} IN ({', '.join(['%s'] * level_count)})"
    return query + " LIMIT 1"


def _first_pass(candidate_id: int, component_id: int, levels: tuple[str, ...] | None):
    """The day of a released, current passing result at one of `levels` (any when None).

    One fixed statement on the booking's path (docs/decisions/0007 measured the ORM's
    version of it alone at a lower ratio); the ORM query it stands for:

        Result.objects.filter(candidate_id=..., component_id=..., is_current=True,
            status=RELEASED, outcome__in=PASSING_OUTCOMES, level__in=levels)
    """
    params = [candidate_id, component_id, True, Result.Status.RELEASED]
    params.extend(Result.PASSING_OUTCOMES)
    params.extend(levels or ())
    rows = sql.fetch_all(_first_pass_sql(len(levels or ())), params, prepared=True)
    return sql.python_value(Result, "sat_on", rows[0][0]) if rows else None


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


def refuse_while_result_pending(ctx: EligibilityContext) -> BookingRefused | None:
    """Hold a retake until every sat (checked-in) attempt of the component has a
    released current result (docs/decisions/0026).

    A pass still being rated would make the paid retake void, and the already-passed
    rule can judge released results only. A no-show or a refusal at the door is not
    sat, so it holds nothing. Reads only, and only when there is a sat attempt (a first
    booking costs no statement more).
    """
    if not ctx.sat_booking_ids:
        return None
    released = set(
        Result.objects.filter(
            booking_id__in=ctx.sat_booking_ids,
            is_current=True,
            status=Result.Status.RELEASED,
        ).values_list("booking_id", flat=True)
    )
    if set(ctx.sat_booking_ids) - released:
        return BookingRefused(
            _(
                "The result of the candidate's last attempt at this component is not "
                "released yet; a retake can be booked once it is."
            ),
            code="result_pending",
            field="candidate",
        )
    return None
