"""What the booking rules read about one candidate and one session, in one statement."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.utils import timezone

from examens import sql
from examens.models import Candidate, Component, Decision, RouteRequirement
from examens.selectors import accommodations_from

from ..models import Booking, ExamSession
from .context import EligibilityContext

# The decisions the rules read; the others (term extensions, ...) do not bear on a booking.
RULE_DECISIONS = (Decision.Kind.EXEMPTION, Decision.Kind.STEP_DOWN, Decision.Kind.ACCOMMODATION)


@dataclass(frozen=True)
class Inputs:
    """What the rules read about one candidate and one session (`load_inputs`)."""

    candidate_id: int
    session_id: int
    component_id: int | None
    requirement: RouteRequirement | None  # the route's, for the session's component
    decisions: list[Decision]  # live ones of the rules' kinds, newest first
    # The candidate's bookings of the session's component, and the one made with the key.
    bookings: list[Booking]

    def check_for(self, candidate: Candidate, session: ExamSession) -> None:
        """Refuse inputs read for another candidate or session: rules run on them."""
        read_for = (self.candidate_id, self.session_id, self.component_id)
        if read_for != (candidate.pk, session.pk, session.component_id):
            raise ValueError(
                f"inputs read for candidate {self.candidate_id} and session "
                f"{self.session_id}, not for {candidate.pk} and {session.pk}"
            )


# What the rules read, in one fixed statement (examens.sql; docs/decisions/0007 measured
# the ORM's five statements at about half the bookings per second).
_CANDIDATE = sql.Columns(Candidate, alias="c")
_SESSION = sql.Columns(ExamSession, alias="s")
_COMPONENT = sql.Columns(Component, alias="k")
_REQUIREMENT = sql.Columns(RouteRequirement, alias="r")
_DECISION = sql.Columns(Decision, alias="d")
_BOOKING = sql.Columns(Booking, alias="b")
_PARTS = (_CANDIDATE, _SESSION, _COMPONENT, _REQUIREMENT, _DECISION)


@functools.cache
def _inputs_sql() -> str:
    """Two row sets in one statement: `1` rows hold the candidate, the session, its
    component, the requirement and one decision each (one row without a decision);
    `2` rows hold one booking each."""
    c, s, k, r, d, b = (*_PARTS, _BOOKING)
    kinds = ", ".join(["%s"] * len(RULE_DECISIONS))
    session_component = (
        f"(SELECT {s.column('component')} FROM {sql.table(ExamSession)} s "  # noqa: S608
        f"WHERE {s.column('id')} = %s)"
    )
    return (
        f"SELECT 1, {c}, {s}, {k}, {r}, {d}, {sql.nulls([b])} "  # noqa: S608
        f"FROM (SELECT 1 AS one) one "
        f"LEFT JOIN {sql.table(Candidate)} c ON {c.column('id')} = %s "
        f"LEFT JOIN {sql.table(ExamSession)} s ON {s.column('id')} = %s "
        f"LEFT JOIN {sql.table(Component)} k ON {k.column('id')} = {s.column('component')} "
        f"LEFT JOIN {sql.table(RouteRequirement)} r ON {r.column('route')} = {c.column('route')} "
        f"AND {r.column('component')} = {s.column('component')} "
        f"LEFT JOIN {sql.table(Decision)} d ON {d.column('candidate')} = {c.column('id')} "
        f"AND {d.column('withdrawn_at')} IS NULL AND {d.column('kind')} IN ({kinds}) "
        f"UNION ALL "
        f"SELECT 2, {sql.nulls(_PARTS)}, {b} FROM {sql.table(Booking)} b "
        f"WHERE ({b.column('candidate')} = %s AND {b.column('component')} = {session_component}) "
        f"OR {b.column('idempotency_key')} = %s"
    )


def _read(
    candidate_id: int, session_id: int, idempotency_key: str | None
) -> tuple[Candidate | None, ExamSession | None, Inputs]:
    """The candidate, the session with its component, and what the rules read about
    them, in one statement; None for a candidate or session that does not exist."""
    params = [candidate_id, session_id, *RULE_DECISIONS, candidate_id, session_id]
    rows = sql.fetch_all(_inputs_sql(), [*params, idempotency_key], prepared=True)
    c, s, k, r, d = _PARTS
    first = next(row for row in rows if row[0] == 1)
    session = s.load(first, 1 + c.width)
    component = k.load(first, 1 + c.width + s.width)
    if session is not None and component is not None:
        session.component = component
    at_decision = 1 + c.width + s.width + k.width + r.width
    decisions = [d.load(row, at_decision) for row in rows if row[0] == 1]
    inputs = Inputs(
        candidate_id=candidate_id,
        session_id=session_id,
        component_id=session.component_id if session is not None else None,
        requirement=r.load(first, 1 + c.width + s.width + k.width),
        decisions=sorted(
            (decision for decision in decisions if decision is not None),
            key=lambda decision: (decision.decided_on, decision.pk),
            reverse=True,
        ),
        bookings=[
            booking
            for row in rows
            if row[0] == 2 and (booking := _BOOKING.load(row, at_decision + d.width)) is not None
        ],
    )
    return c.load(first, 1), session, inputs


def load_inputs(
    candidate: Candidate, session: ExamSession, idempotency_key: str | None = None
) -> Inputs:
    """What the rules read about `candidate` and `session`, in one statement: the
    route's requirement for the session's component (unique), the candidate's live
    decisions of the rules' kinds (newest first, as Decision's ordering), and the
    candidate's bookings of the component with the booking made with
    `idempotency_key`."""
    inputs = _read(candidate.pk, session.pk, idempotency_key)[2]
    inputs.check_for(candidate, session)
    return inputs


def read_for_booking(
    candidate_id: int, session_id: int, idempotency_key: str | None = None
) -> tuple[Candidate | None, ExamSession | None]:
    """The candidate and the session (with its component) a booking request names, in
    the one statement that also reads what the rules read: `inputs_for_booking` hands
    those to book_candidate for exactly this candidate, session and key, once."""
    candidate, session, inputs = _read(candidate_id, session_id, idempotency_key)
    if candidate is not None and session is not None:
        session.__dict__["_booking_inputs"] = (candidate, idempotency_key, inputs)
    return candidate, session


def inputs_for_booking(
    candidate: Candidate, session: ExamSession, idempotency_key: str | None
) -> Inputs:
    """The inputs `read_for_booking` kept on `session` when they were read with this very
    candidate instance and key (and checked against both), else read now. Used once."""
    kept = session.__dict__.pop("_booking_inputs", None)
    if kept is not None and kept[0] is candidate and kept[1] == idempotency_key:
        inputs = kept[2]
        inputs.check_for(candidate, session)
        return inputs
    return load_inputs(candidate, session, idempotency_key)


def build_context(
    candidate: Candidate,
    session: ExamSession,
    *,
    now: datetime.datetime | None = None,
    inputs: Inputs | None = None,
) -> EligibilityContext:
    """The rules' context for `candidate` and `session`, from `inputs` when the caller
    has read them for this candidate and session (checked), else read now."""
    if inputs is None:
        inputs = load_inputs(candidate, session)
    else:
        inputs.check_for(candidate, session)
    needs, minutes = accommodations_from(inputs.decisions)
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
        decisions=[d for d in inputs.decisions if d.kind != Decision.Kind.ACCOMMODATION],
        needs=needs,
        extra_minutes=minutes,
        has_pending_booking=any(b.status in Booking.PENDING_STATUSES for b in bookings),
        sat_booking_ids=tuple(
            b.pk for b in bookings if b.status == Booking.Status.CHECKED_IN and b.pk
        ),
        attempts_so_far=sum(1 for b in bookings if b.counts_as_attempt),
    )
