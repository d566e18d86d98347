"""What the booking rules look at (`EligibilityContext`) and the rules higher apps add."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from examens.models import Candidate, Decision, RouteRequirement

from ..exceptions import BookingRefused
from ..models import ExamSession


@dataclass
class EligibilityContext:
    candidate: Candidate
    session: ExamSession
    now: datetime.datetime
    requirement: RouteRequirement | None = None
    decisions: list[Decision] = field(default_factory=list)
    needs: set[str] = field(default_factory=set)
    extra_minutes: int = 0
    # The candidate's bookings for the session's component, read once.
    # A booking not sat yet blocks another; the checked-in (sat) ones are listed so that
    # grading can hold a retake until their results are released (decision 0026).
    has_pending_booking: bool = False
    sat_booking_ids: tuple[int, ...] = ()
    attempts_so_far: int = 0
    # What registered checks read (`Fact`), read once: by `fact()` for this context
    # alone, or beforehand for a whole page of contexts (`assess_many`).
    facts: dict[Fact, Any] = field(default_factory=dict, repr=False)

    def fact(self, fact: Fact) -> Any:
        """The value of `fact` for this context: kept when it was read already (for a
        page at once by `assess_many`), else read now with `fact.one` and kept."""
        if fact not in self.facts:
            self.facts[fact] = fact.one(self)
        return self.facts[fact]

    @property
    def step_down(self) -> Decision | None:
        for decision in self.decisions:
            if (
                decision.kind == Decision.Kind.STEP_DOWN
                and decision.component_id == self.session.component_id
            ):
                return decision
        return None

    @property
    def plan_level(self) -> str:
        """The level the personal plan asks for: the stepped-down level when decided."""
        step_down = self.step_down
        if step_down is not None:
            return step_down.level
        return self.requirement.level if self.requirement else ""

    @property
    def allowed_levels(self) -> set[str]:
        if self.requirement is None:
            return set()
        levels = {self.requirement.level}
        if self.step_down is not None:
            levels.add(self.step_down.level)
        return levels


@dataclass(frozen=True, eq=False)
class Fact:
    """Something a registered check reads beyond the context's fields, and how to read it.

    `one(ctx)` reads the value for one context; `many(contexts)` reads it for several
    contexts of one session at once, in a fixed number of statements whatever their
    number, and returns one value per context, in their order. Both must give the same
    value (tests/scheduling/test_assess_many.py holds them to it through the rules).
    Compared by identity: declare each fact once, at module level.
    """

    name: str
    one: Callable[[EligibilityContext], Any]
    many: Callable[[Sequence[EligibilityContext]], Sequence[Any]]


Check = Callable[[EligibilityContext], BookingRefused | None]
_EXTRA_CHECKS: list[Check] = []
_CHECK_FACTS: dict[Check, tuple[Fact, ...]] = {}


def register_check(check: Check, *, facts: Sequence[Fact] = ()) -> Check:
    """Add a rule from a higher app (e.g. grading's "already passed"). Idempotent.

    `facts`: what the check reads through `ctx.fact(...)`; `assess_many` reads them for
    all its candidates at once before it runs the checks (registering again replaces
    them)."""
    if check not in _EXTRA_CHECKS:
        _EXTRA_CHECKS.append(check)
    _CHECK_FACTS[check] = tuple(facts)
    return check


def unregister_check(check: Check) -> None:
    if check in _EXTRA_CHECKS:
        _EXTRA_CHECKS.remove(check)
    _CHECK_FACTS.pop(check, None)


def registered_facts() -> list[Fact]:
    """The facts of the registered checks, each once, in the checks' order."""
    facts: list[Fact] = []
    for check in _EXTRA_CHECKS:
        facts.extend(fact for fact in _CHECK_FACTS.get(check, ()) if fact not in facts)
    return facts
