"""Results: computed drafts from a raw score, and the outcomes of sittings not taken."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.jobs import enqueue_on_commit
from examens.models import ExamVersion, User
from scheduling.models import Booking, ExamSession

from .. import permissions, scoring
from ..exceptions import ResultStateError
from ..models import Result
from ..signals import result_corrected, result_released


def sat_on(booking: Booking) -> datetime.date:
    return timezone.localdate(booking.session.starts_at)


def score_for_version(version: ExamVersion, raw: int) -> scoring.Score:
    return scoring.score(
        raw,
        max_raw=version.max_raw_score,
        cutoff_raw=version.cutoff_raw,
        conversion_table=version.conversion_table,
        pass_scale_score=version.pass_scale_score,
    )


def outcome_for(passed: bool) -> str:
    return Result.Outcome.PASSED if passed else Result.Outcome.FAILED


def create_scored_draft(booking: Booking, *, actor: Actor, raw: int, source: str) -> Result:
    """A draft result for a sat attempt from its final raw score (in the caller's transaction)."""
    version = booking.session.exam_version
    computed = score_for_version(version, raw)
    result = Result.objects.create(
        candidate_id=booking.candidate_id,
        component_id=booking.component_id,
        level=booking.level,
        booking=booking,
        exam_version=version,
        outcome=outcome_for(computed.passed),
        raw_score=computed.raw,
        scale_score=computed.scale,
        sat_on=sat_on(booking),
        created_by=actor if isinstance(actor, User) else None,
    )
    record_event(
        actor,
        "grading.result.computed",
        result,
        data={
            "booking": booking.pk,
            "candidate": booking.candidate_id,
            "source": source,
            "raw_score": computed.raw,
            "scale_score": computed.scale,
            "outcome": result.outcome,
        },
    )
    return result


def _send_released(result: Result) -> None:
    """After commit: tell higher apps, and mail the candidate."""
    result_released.send(sender=Result, result_id=result.pk, candidate_id=result.candidate_id)
    enqueue_on_commit("grading.tasks.send_result_mail_task", result.pk, "released")


def _send_corrected(result: Result, previous_id: int) -> None:
    result_corrected.send(
        sender=Result,
        result_id=result.pk,
        previous_id=previous_id,
        candidate_id=result.candidate_id,
    )
    enqueue_on_commit("grading.tasks.send_result_mail_task", result.pk, "corrected")


@transaction.atomic
def record_attendance_outcome(booking: Booking, *, actor: Actor) -> Result:
    """The result of a sitting the candidate did not take: no-show or refused at check-in.

    Rules: the booking is a no-show (outcome no_show; it counts as an
    attempt) or was refused at the door (outcome rejected; no attempt).
    Idempotent: returns the current result when there is one. Raises
    ResultStateError for any other booking status.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_coordinate(person, booking.session))
    booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
    existing = Result.objects.filter(booking=booking, is_current=True).first()
    if existing is not None:
        return existing
    outcomes: dict[str, str] = {
        Booking.Status.NO_SHOW: Result.Outcome.NO_SHOW,
        Booking.Status.REJECTED: Result.Outcome.REJECTED,
    }
    if booking.status not in outcomes:
        raise ResultStateError(
            _("Only a no-show or a refusal at check-in has an attendance outcome."),
            code="not_an_attendance_outcome",
            field="booking",
        )
    session = ExamSession.objects.select_related("exam_version").get(pk=booking.session_id)
    booking.session = session
    result = Result.objects.create(
        candidate_id=booking.candidate_id,
        component_id=booking.component_id,
        level=booking.level,
        booking=booking,
        exam_version=session.exam_version,
        outcome=outcomes[booking.status],
        sat_on=sat_on(booking),
        created_by=actor if isinstance(actor, User) else None,
    )
    record_event(
        actor,
        "grading.result.attendance_recorded",
        result,
        data={
            "booking": booking.pk,
            "candidate": booking.candidate_id,
            "outcome": result.outcome,
            "counts_as_attempt": result.outcome == Result.Outcome.NO_SHOW,
        },
    )
    return result
