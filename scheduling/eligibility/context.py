"""What the booking rules look at (`EligibilityContext`) and the rules higher apps add."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

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


Check = Callable[[EligibilityContext], BookingRefused | None]
_EXTRA_CHECKS: list[Check] = []


def register_check(check: Check) -> Check:
    """Add a rule from a higher app (e.g. grading's "already passed"). Idempotent."""
    if check not in _EXTRA_CHECKS:
        _EXTRA_CHECKS.append(check)
    return check


def unregister_check(check: Check) -> None:
    if check in _EXTRA_CHECKS:
        _EXTRA_CHECKS.remove(check)
