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
        from grading.eligibility import FIRST_PASS, refuse_when_passed
        register_check(refuse_when_passed, facts=[FIRST_PASS])

A check is `fn(context: EligibilityContext) -> BookingRefused | None`; it must
only read, and should raise nothing else. Registered checks run after the
built-in registry rules and before the session rules. `register_check` is
idempotent (registering the same function twice keeps one).

Many candidates at once
-----------------------
`assess_many(candidates, session)` gives what `assess` gives for each, reading
the rules' inputs for all of them in a fixed number of statements (`bulk`) and
then running the very same rules. A registered check that reads the database
names what it reads as a `Fact` (how to read it for one context and for many)
and reads it through `ctx.fact(FACT)`; registered with
`register_check(check, facts=[FACT])`, the fact is read once for the whole page
(docs/decisions/0032-booking-from-search.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from examens.models import Candidate

from ..exceptions import BookingRefused
from ..models import ExamSession
from .bulk import contexts_for, load_inputs_many
from .context import (
    _EXTRA_CHECKS,
    Check,
    EligibilityContext,
    Fact,
    register_check,
    registered_facts,
    unregister_check,
)
from .inputs import Inputs, build_context, inputs_for_booking, load_inputs, read_for_booking
from .payer import LEVEL_RANK, payer_for
from .rules import BOOKING_CHECKS, REGISTRY_CHECKS, SESSION_CHECKS, seat_free

__all__ = [
    "LEVEL_RANK",
    "Assessment",
    "Check",
    "EligibilityContext",
    "Fact",
    "Inputs",
    "assess",
    "assess_many",
    "build_context",
    "candidate_checks",
    "candidate_problems",
    "contexts_for",
    "inputs_for_booking",
    "load_inputs",
    "load_inputs_many",
    "read_for_booking",
    "payer_for",
    "register_check",
    "registered_facts",
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


def assess_many(
    candidates: Sequence[Candidate],
    session: ExamSession,
    *,
    now: datetime.datetime | None = None,
) -> dict[Candidate, Assessment]:
    """`assess(candidate, session)` for every candidate (reads only), keyed by candidate.

    The inputs of all candidates, and the facts of the registered checks, are read in
    a fixed number of statements whatever the number of candidates (`contexts_for`);
    each candidate's assessment is then `assess` itself on that context: one set of
    rules. Advisory, like `assess`: `book_candidate` checks again under its lock.
    """
    contexts = contexts_for(candidates, session, now=now)
    return {ctx.candidate: assess(ctx.candidate, session, context=ctx) for ctx in contexts}
