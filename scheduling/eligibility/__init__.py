"""Who may be booked into which session: the rules of `book_candidate`, one function each.

`assess(candidate, session)` runs every rule and returns all failures (the
planner's booking form shows them all); `book_candidate` raises the first.

Extension point for higher apps
-------------------------------
scheduling may not import grading, yet "the component is not already passed"
is grading's knowledge. Grading therefore registers its own rule at start-up::

    # grading/apps.py
    def ready(self):
        from scheduling.eligibility import register_check
        from grading.eligibility import refuse_when_passed
        register_check(refuse_when_passed)

A check is `fn(context: EligibilityContext) -> BookingRefused | None`; it must
only read, and should raise nothing else. Registered checks run after the
built-in registry rules and before the session rules. `register_check` is
idempotent (registering the same function twice keeps one).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from examens.models import Candidate

from ..exceptions import BookingRefused
from ..models import ExamSession
from .context import _EXTRA_CHECKS, Check, EligibilityContext, register_check, unregister_check
from .inputs import Inputs, build_context, inputs_for_booking, load_inputs, read_for_booking
from .payer import LEVEL_RANK, payer_for
from .rules import BOOKING_CHECKS, REGISTRY_CHECKS, SESSION_CHECKS, seat_free

__all__ = [
    "LEVEL_RANK",
    "Assessment",
    "Check",
    "EligibilityContext",
    "Inputs",
    "assess",
    "build_context",
    "candidate_checks",
    "candidate_problems",
    "inputs_for_booking",
    "load_inputs",
    "read_for_booking",
    "payer_for",
    "register_check",
    "unregister_check",
    "within_term",
]


@dataclass
class Assessment:
    """The outcome of all booking rules for one candidate and one session."""

    problems: list[BookingRefused]
    warnings: list[str]
    plan_level: str
    slot_minutes: int
    outside_term: bool
    needs: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def candidate_checks() -> list[Check]:
    """The rules about the candidate, in the order the planner reads them."""
    return [*REGISTRY_CHECKS, *_EXTRA_CHECKS, *BOOKING_CHECKS]


def candidate_problems(ctx: EligibilityContext) -> list[BookingRefused]:
    """The failures of the candidate rules (registry, registered checks, open bookings)."""
    return [problem for check in candidate_checks() if (problem := check(ctx)) is not None]


def within_term(candidate: Candidate, session: ExamSession) -> bool:
    day = timezone.localtime(session.starts_at).date()
    return candidate.term_start <= day <= candidate.term_end


def assess(
    candidate: Candidate,
    session: ExamSession,
    *,
    now: datetime.datetime | None = None,
    include_capacity: bool = True,
    include_candidate_rules: bool = True,
    context: EligibilityContext | None = None,
) -> Assessment:
    """Run every booking rule; return all failures and warnings (reads only).

    `include_candidate_rules=False` runs only the session rules: for a caller
    that already ran the candidate rules in this transaction and has just
    locked the session row (`book_candidate`).
    """
    ctx = context or build_context(candidate, session, now=now)
    checks = [*candidate_checks()] if include_candidate_rules else []
    checks.extend(SESSION_CHECKS)
    if include_capacity:
        checks.append(seat_free)
    problems = [problem for check in checks if (problem := check(ctx)) is not None]
    outside = not within_term(candidate, session)
    warnings = ["outside_term"] if outside else []
    return Assessment(
        problems=problems,
        warnings=warnings,
        plan_level=ctx.plan_level,
        slot_minutes=session.duration_minutes + ctx.extra_minutes,
        outside_term=outside,
        needs=sorted(ctx.needs),
    )
