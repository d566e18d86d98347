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
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from examens import sql
from examens.models import Candidate, Component, Decision, Level, RouteRequirement
from examens.selectors import accommodations_from

from .exceptions import AlreadyBooked, BookingRefused, SessionFull
from .models import Booking, ExamSession

LEVEL_RANK = {value: rank for rank, value in enumerate(Level.values)}


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
    has_open_booking: bool = False
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


# --- The built-in rules, in the order the planner reads them -----------------------------


def required_by_route(ctx: EligibilityContext) -> BookingRefused | None:
    if ctx.requirement is None:
        return BookingRefused(
            _("The candidate's learning route does not include this component."),
            code="not_required_by_route",
            field="session",
        )
    return None


def level_matches_plan(ctx: EligibilityContext) -> BookingRefused | None:
    if ctx.requirement is None:
        return None
    if ctx.session.level not in ctx.allowed_levels:
        return BookingRefused(
            _("The session is at level %(session)s; the candidate's plan asks for %(plan)s.")
            % {"session": ctx.session.level or "—", "plan": ctx.plan_level or "—"},
            code="wrong_level",
            field="session",
        )
    return None


def not_exempted(ctx: EligibilityContext) -> BookingRefused | None:
    for decision in ctx.decisions:
        if decision.kind != Decision.Kind.EXEMPTION:
            continue
        if decision.component_id in (None, ctx.session.component_id):
            return BookingRefused(
                _("The candidate is exempted from this component (decision of %(day)s).")
                % {"day": decision.decided_on.isoformat()},
                code="exempted",
                field="candidate",
            )
    return None


def no_other_open_booking(ctx: EligibilityContext) -> BookingRefused | None:
    # A race between two bookings is settled by the partial unique index on open bookings.
    if ctx.has_open_booking:
        return AlreadyBooked(field="candidate")
    return None


def session_open(ctx: EligibilityContext) -> BookingRefused | None:
    if ctx.session.status != ExamSession.Status.PUBLISHED:
        return BookingRefused(
            _("The session is not open for booking (status: %(status)s).")
            % {"status": ctx.session.get_status_display()},
            code="session_not_open",
            field="session",
        )
    if ctx.now >= ctx.session.booking_closes_at:
        return BookingRefused(
            _("Booking for this session closed at %(when)s.")
            % {
                "when": timezone.localtime(ctx.session.booking_closes_at).strftime("%d-%m-%Y %H:%M")
            },
            code="booking_closed",
            field="session",
        )
    return None


def accommodations_served(ctx: EligibilityContext) -> BookingRefused | None:
    missing = sorted(ctx.needs - set(ctx.session.accommodations))
    if missing:
        return BookingRefused(
            _("The session cannot serve the candidate's accommodation needs: %(needs)s.")
            % {"needs": ", ".join(missing)},
            code="accommodation_not_served",
            field="session",
            details={"missing": missing},
        )
    if ctx.extra_minutes > ctx.session.max_extra_minutes:
        return BookingRefused(
            _("The candidate needs %(need)s extra minutes; the session gives at most %(max)s.")
            % {"need": ctx.extra_minutes, "max": ctx.session.max_extra_minutes},
            code="extra_time_not_available",
            field="session",
        )
    return None


def seat_free(ctx: EligibilityContext) -> BookingRefused | None:
    if ctx.session.seats_free <= 0:
        return SessionFull(field="session")
    return None


# Candidate rules read the registry and the candidate's bookings; session rules read only
# the session row, so a booking runs them again after locking that row.
REGISTRY_CHECKS: list[Check] = [required_by_route, level_matches_plan, not_exempted]
BOOKING_CHECKS: list[Check] = [no_other_open_booking]
SESSION_CHECKS: list[Check] = [session_open, accommodations_served]


@dataclass(frozen=True)
class Inputs:
    """What the rules read about one candidate and one session (`load_inputs`)."""

    candidate: Candidate | None
    session: ExamSession | None  # with its component
    requirement: RouteRequirement | None  # the route's, for the session's component
    decisions: list[Decision]  # live ones of the rules' kinds, newest first
    # The candidate's bookings of the session's component, and the one made with the key.
    bookings: list[Booking]


# Everything the rules read, in one statement (examens.sql: the booking's hot path).
_CANDIDATE = sql.Columns(Candidate, alias="c")
_SESSION = sql.Columns(ExamSession, alias="s")
_COMPONENT = sql.Columns(Component, alias="k")
_REQUIREMENT = sql.Columns(RouteRequirement, alias="r")
_DECISION = sql.Columns(Decision, alias="d")
_BOOKING = sql.Columns(Booking, alias="b")
_RULE_DECISIONS = (Decision.Kind.EXEMPTION, Decision.Kind.STEP_DOWN, Decision.Kind.ACCOMMODATION)
_PARTS = (_CANDIDATE, _SESSION, _COMPONENT, _REQUIREMENT, _DECISION)


def _nulls(*parts: sql.Columns) -> str:
    return ", ".join(["NULL"] * sum(part.width for part in parts))


@sql.statement
def _inputs_sql() -> str:
    """Two row sets in one statement: `1` rows hold the candidate, the session, its
    component, the requirement and one decision each (one row without a decision);
    `2` rows hold one booking each."""
    c, s, k, r, d, b = (*_PARTS, _BOOKING)
    kinds = ", ".join(["%s"] * len(_RULE_DECISIONS))
    session_component = (
        f"(SELECT {sql.column(ExamSession, 'component', 's2')} "  # noqa: S608
        f"FROM {sql.table(ExamSession)} s2 WHERE {sql.column(ExamSession, 'id', 's2')} = %s)"
    )
    return (
        f"SELECT 1, {c}, {s}, {k}, {r}, {d}, {_nulls(b)} "  # noqa: S608
        f"FROM (SELECT 1 AS one) one "
        f"LEFT JOIN {sql.table(Candidate)} c ON {sql.column(Candidate, 'id', 'c')} = %s "
        f"LEFT JOIN {sql.table(ExamSession)} s ON {sql.column(ExamSession, 'id', 's')} = %s "
        f"LEFT JOIN {sql.table(Component)} k "
        f"ON {sql.column(Component, 'id', 'k')} = {sql.column(ExamSession, 'component', 's')} "
        f"LEFT JOIN {sql.table(RouteRequirement)} r "
        f"ON {sql.column(RouteRequirement, 'route', 'r')} = {sql.column(Candidate, 'route', 'c')} "
        f"AND {sql.column(RouteRequirement, 'component', 'r')} = "
        f"{sql.column(ExamSession, 'component', 's')} "
        f"LEFT JOIN {sql.table(Decision)} d "
        f"ON {sql.column(Decision, 'candidate', 'd')} = {sql.column(Candidate, 'id', 'c')} "
        f"AND {sql.column(Decision, 'withdrawn_at', 'd')} IS NULL "
        f"AND {sql.column(Decision, 'kind', 'd')} IN ({kinds}) "
        f"UNION ALL "
        f"SELECT 2, {_nulls(*_PARTS)}, {b} FROM {sql.table(Booking)} b "
        f"WHERE ({sql.column(Booking, 'candidate', 'b')} = %s "
        f"AND {sql.column(Booking, 'component', 'b')} = {session_component}) "
        f"OR {sql.column(Booking, 'idempotency_key', 'b')} = %s"
    )


def load_inputs(candidate_id: int, session_id: int, idempotency_key: str | None = None) -> Inputs:
    """Everything the rules read about a candidate and a session, in one statement:
    the candidate, the session with its component, the route's requirement for
    the component (unique), the candidate's live decisions (newest first, as
    Decision's ordering), and the candidate's bookings of the component with
    the booking made with `idempotency_key`. None for a candidate or session
    that does not exist."""
    params = [candidate_id, session_id, *_RULE_DECISIONS, candidate_id, session_id]
    rows = sql.execute(_inputs_sql(), [*params, idempotency_key]).fetchall()
    c, s, k, r, d = _PARTS
    first = next(row for row in rows if row[0] == 1)
    session = s.load(first, 1 + c.width)
    if session is not None:
        session.component = k.load(first, 1 + c.width + s.width)
    at_decision = 1 + c.width + s.width + k.width + r.width
    at_booking = at_decision + d.width
    decisions = [d.load(row, at_decision) for row in rows if row[0] == 1]
    return Inputs(
        candidate=c.load(first, 1),
        session=session,
        requirement=r.load(first, 1 + c.width + s.width + k.width),
        decisions=sorted(
            (decision for decision in decisions if decision is not None),
            key=lambda decision: (decision.decided_on, decision.pk),
            reverse=True,
        ),
        bookings=[_BOOKING.load(row, at_booking) for row in rows if row[0] == 2],
    )


def build_context(
    candidate: Candidate,
    session: ExamSession,
    *,
    now: datetime.datetime | None = None,
    inputs: Inputs | None = None,
) -> EligibilityContext:
    """The rules' context for `candidate` and `session`, from `inputs` when the caller
    has read them (the booking API and book_candidate), else read now."""
    if inputs is None:
        inputs = load_inputs(candidate.pk, session.pk)
    decisions = inputs.decisions
    needs, minutes = accommodations_from(decisions)
    bookings = [
        booking
        for booking in inputs.bookings
        if booking.candidate_id == candidate.pk and booking.component_id == session.component_id
    ]
    return EligibilityContext(
        candidate=candidate,
        session=session,
        now=now or timezone.now(),
        requirement=inputs.requirement,
        decisions=[d for d in decisions if d.kind != Decision.Kind.ACCOMMODATION],
        needs=needs,
        extra_minutes=minutes,
        has_open_booking=any(b.status in Booking.OPEN_STATUSES for b in bookings),
        attempts_so_far=sum(1 for b in bookings if b.counts_as_attempt),
    )


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


def payer_for(
    *,
    is_asylum_migrant: bool,
    attempt_number: int,
    booked_level: str,
    plan_level: str,
    fee_cents: int,
) -> str:
    """Who pays an attempt (pure): the municipality pays the first two attempts of an
    asylum migrant at (or above) the plan's level; a free component has no payer."""
    if fee_cents == 0:
        return Booking.Payer.NONE
    below_plan = (
        bool(plan_level)
        and bool(booked_level)
        and LEVEL_RANK[booked_level] < LEVEL_RANK[plan_level]
    )
    if is_asylum_migrant and attempt_number <= 2 and not below_plan:
        return Booking.Payer.MUNICIPALITY
    return Booking.Payer.CANDIDATE
