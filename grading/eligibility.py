"""Grading's booking rule, registered with scheduling at start-up (see GradingConfig.ready)."""

from __future__ import annotations

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


_SAT_ON = sql.Columns(Result, ["sat_on"], alias="r")


@sql.statement
def _first_pass_sql(level_count: int) -> str:
    r = _SAT_ON
    outcomes = ", ".join(["%s"] * len(Result.PASSING_OUTCOMES))
    query = (
        f"SELECT {r} FROM {sql.table(Result)} r "  # noqa: S608
        f"WHERE {sql.column(Result, 'candidate', 'r')} = %s "
        f"AND {sql.column(Result, 'component', 'r')} = %s "
        f"AND {sql.column(Result, 'is_current', 'r')} = %s "
        f"AND {sql.column(Result, 'status', 'r')} = %s "
        f"AND {sql.column(Result, 'outcome', 'r')} IN ({outcomes})"
    )
    if level_count:
        levels = ", ".join(["%s"] * level_count)
        query += f" AND {sql.column(Result, 'level', 'r')} IN ({levels})"
    return query + " LIMIT 1"


def _first_pass(candidate_id: int, component_id: int, levels: tuple[str, ...] | None):
    """The day of a released, current passing result at one of `levels` (any when None):
    one statement on the booking's hot path (examens.sql), the ORM query

        Result.objects.filter(candidate_id=..., component_id=..., is_current=True,
            status=RELEASED, outcome__in=PASSING_OUTCOMES, level__in=levels)
    """
    params = [candidate_id, component_id, True, Result.Status.RELEASED]
    params.extend(Result.PASSING_OUTCOMES)
    params.extend(levels or ())
    row = sql.execute(_first_pass_sql(len(levels or ())), params).fetchone()
    return _SAT_ON.load(row).sat_on if row else None


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
