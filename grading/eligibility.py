"""Grading's booking rules, registered with scheduling at start-up (see GradingConfig.ready).

What each rule reads is a `Fact`: read for one booking (`one`, on the booking's path) or
for a page of candidates at once (`many`, scheduling's `assess_many`); the rule itself
is one function either way.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence

from django.utils.translation import gettext as _

from examens import sql
from scheduling.eligibility import EligibilityContext, Fact
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
    # The earliest pass: the same one `_first_passes` finds for a page of candidates.
    return query + f" ORDER BY {column('sat_on')}, {column('id')} LIMIT 1"


def _first_pass(candidate_id: int, component_id: int, levels: tuple[str, ...] | None):
    """The day of the earliest released, current passing result at one of `levels`
    (any when None).

    One fixed statement on the booking's path (docs/decisions/0007 measured the ORM's
    version of it alone at a lower ratio); the ORM query it stands for:

        Result.objects.filter(candidate_id=..., component_id=..., is_current=True,
            status=RELEASED, outcome__in=PASSING_OUTCOMES, level__in=levels
        ).order_by("sat_on", "pk")
    """
    params = [candidate_id, component_id, True, Result.Status.RELEASED]
    params.extend(Result.PASSING_OUTCOMES)
    params.extend(levels or ())
    rows = sql.fetch_all(_first_pass_sql(len(levels or ())), params, prepared=True)
    return sql.python_value(Result, "sat_on", rows[0][0]) if rows else None


def _first_pass_of(ctx: EligibilityContext) -> datetime.date | None:
    return _first_pass(ctx.candidate.pk, ctx.session.component_id, _levels_at_least(ctx.plan_level))


def _first_passes(contexts: Sequence[EligibilityContext]) -> list[datetime.date | None]:
    """`_first_pass_of` for every context, in one statement: every released, current
    passing result of the candidates for the sessions' components, earliest first."""
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = {}
    rows = Result.objects.filter(
        candidate_id__in={ctx.candidate.pk for ctx in contexts},
        component_id__in={ctx.session.component_id for ctx in contexts},
        is_current=True,
        status=Result.Status.RELEASED,
        outcome__in=Result.PASSING_OUTCOMES,
    ).order_by("sat_on", "pk")
    for candidate_id, component_id, level, sat_on in rows.values_list(
        "candidate_id", "component_id", "level", "sat_on"
    ):
        passes.setdefault((candidate_id, component_id), []).append((level, sat_on))
    found: list[datetime.date | None] = []
    for ctx in contexts:
        levels = _levels_at_least(ctx.plan_level)
        candidates_passes = passes.get((ctx.candidate.pk, ctx.session.component_id), [])
        meeting = (day for level, day in candidates_passes if levels is None or level in levels)
        found.append(next(meeting, None))
    return found


FIRST_PASS = Fact("grading.first_pass", one=_first_pass_of, many=_first_passes)


def _released_of(booking_ids: Sequence[int]) -> set[int]:
    """Which of `booking_ids` have a released current result (no statement for none)."""
    if not booking_ids:
        return set()
    return set(
        Result.objects.filter(
            booking_id__in=booking_ids,
            is_current=True,
            status=Result.Status.RELEASED,
        ).values_list("booking_id", flat=True)
    )


def _released_sat_attempts(ctx: EligibilityContext) -> set[int]:
    return _released_of(ctx.sat_booking_ids)


def _released_sat_attempts_many(contexts: Sequence[EligibilityContext]) -> list[set[int]]:
    released = _released_of(sorted({pk for ctx in contexts for pk in ctx.sat_booking_ids}))
    return [released & set(ctx.sat_booking_ids) for ctx in contexts]


RELEASED_SAT_ATTEMPTS = Fact(
    "grading.released_sat_attempts",
    one=_released_sat_attempts,
    many=_released_sat_attempts_many,
)


def refuse_when_passed(ctx: EligibilityContext) -> BookingRefused | None:
    """Refuse a booking for a component the candidate already passed at the plan's level.

    Only released, current result versions count: a pass corrected into a
    fail no longer blocks a new attempt. Reads only (`FIRST_PASS`).
    """
    sat_on = ctx.fact(FIRST_PASS)
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
    sat, so it holds nothing. Reads only (`RELEASED_SAT_ATTEMPTS`), and only when there
    is a sat attempt (a first booking costs no statement more).
    """
    if not ctx.sat_booking_ids:
        return None
    if set(ctx.sat_booking_ids) - ctx.fact(RELEASED_SAT_ATTEMPTS):
        return BookingRefused(
            _(
                "The result of the candidate's last attempt at this component is not "
                "released yet; a retake can be booked once it is."
            ),
            code="result_pending",
            field="candidate",
        )
    return None
