"""Releasing results and correcting released ones (a new version; the old one is kept)."""

from __future__ import annotations

import datetime
from functools import partial
from typing import cast

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.jobs import enqueue_on_commit
from examens.models import Candidate, Component, Decision, ExamVersion, Organisation, User
from examens.services import record_decision
from scheduling.models import ExamSession

from .. import permissions
from ..deadlines import late_result_extension_days
from ..exceptions import GradingError, ResultStateError
from ..models import OverdueFlag, Result
from ..signals import result_corrected, result_released
from ._evidence import check_evidence as _check_evidence
from .results import outcome_for, score_for_version


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


def _agency() -> Organisation | None:
    return Organisation.objects.filter(kind=Organisation.Kind.AGENCY).order_by("pk").first()


def _extend_term_for_late_result(result: Result, *, actor, released_on: datetime.date) -> None:
    """Record the automatic term extension a late result earns (idempotent per attempt)."""
    booking = result.booking
    if booking is None or not isinstance(actor, User):
        return
    candidate = Candidate.objects.get(pk=result.candidate_id)
    days = late_result_extension_days(
        sat_on=result.sat_on,
        level=result.level,
        released_on=released_on,
        registered_on=timezone.localdate(booking.created_at),
        term_end=candidate.term_end,
    )
    if not days:
        return
    reference = f"booking:{booking.reference}"
    already = Decision.objects.filter(
        candidate=candidate,
        kind=Decision.Kind.TERM_EXTENSION,
        ground=Decision.Ground.LATE_RESULT,
        evidence_reference=reference,
        withdrawn_at__isnull=True,
    ).exists()
    organisation = _agency() or candidate.municipality
    if already:
        return
    record_decision(
        candidate,
        actor=actor,
        organisation=organisation,
        kind=Decision.Kind.TERM_EXTENSION,
        ground=Decision.Ground.LATE_RESULT,
        extension_days=days,
        reason=_("Result released %(days)d days after it was due.") % {"days": days},
        evidence_reference=reference,
    )


def release_locked(result: Result, *, actor) -> Result:
    now = timezone.now()
    result.status = Result.Status.RELEASED
    result.released_at = now
    result.released_by = actor if isinstance(actor, User) else None
    result.save(update_fields=["status", "released_at", "released_by"])
    if result.booking_id:
        OverdueFlag.objects.filter(booking_id=result.booking_id, resolved_at__isnull=True).update(
            resolved_at=now
        )
        _extend_term_for_late_result(result, actor=actor, released_on=timezone.localdate(now))
    record_event(
        actor,
        "grading.result.released",
        result,
        data={
            "candidate": result.candidate_id,
            "component": result.component_id,
            "booking": result.booking_id,
            "version": result.version,
            "outcome": result.outcome,
            "scale_score": result.scale_score,
        },
    )
    transaction.on_commit(partial(_send_released, result))
    return result


@transaction.atomic
def release_result(result: Result, *, actor: Actor) -> Result:
    """Release a draft result to the candidate.

    Rules: only the current draft version is released; a released result
    never changes afterwards (see correct_result). Resolves an overdue flag;
    a result released late, for a candidate who booked more than six weeks
    before the term ends, records a term extension (ground late_result).
    Idempotent: an already released result returns unchanged, without a
    second signal. Raises ResultStateError for a superseded version.
    Side effect: `result_released` on commit.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_release(person, result))
    authz.require_fresh_factor(person)
    result = Result.objects.select_for_update(of=("self",)).get(pk=result.pk)
    if result.status == Result.Status.RELEASED:
        return result
    if result.status != Result.Status.DRAFT or not result.is_current:
        raise ResultStateError(_("Only a current draft result can be released."), field="result")
    return release_locked(result, actor=actor)


@transaction.atomic
def release_session_results(session: ExamSession, *, actor: Actor) -> list[Result]:
    """Release every current draft result of a session (locked in primary-key order).

    The results are locked first, then their candidates, each in primary-key order.

    Idempotent: released results are skipped. Side effect: one
    `result_released` per released result, on commit.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_coordinate(person, session))
    authz.require_fresh_factor(person)
    drafts = list(
        Result.objects.select_for_update(of=("self",))
        .filter(booking__session=session, is_current=True, status=Result.Status.DRAFT)
        .order_by("pk")
    )
    # A late result extends its candidate's term (record_decision locks the candidate):
    # lock them all now in primary-key order, not one by one in result order.
    list(
        Candidate.objects.select_for_update(of=("self",))
        .filter(pk__in={result.candidate_id for result in drafts})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [release_locked(result, actor=actor) for result in drafts]


@transaction.atomic
def correct_result(
    result: Result,
    *,
    actor: Actor,
    reason: str,
    raw_score: int | None = None,
    outcome: str | None = None,
    evidence: dict | None = None,
) -> Result:
    """Correct a released result by adding a new released version; the old one is kept.

    Rules: a reason is required; only the current released version is
    corrected (drafts are not released yet: nothing to correct). A scored
    result takes a new raw score (scale and pass/fail recomputed from the
    exam version) or a new attendance outcome (no_show / rejected); a
    signed-off component takes completed / not_completed and its evidence.
    The correction must change something. Not idempotent (each call is a
    new version). Raises GradingError, ResultStateError, ScoringError.
    Side effect: `result_corrected` on commit (certificates re-evaluate).
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_release(person, result))
    authz.require_fresh_factor(person)
    reason = (reason or "").strip()
    if not reason:
        raise GradingError(
            _("A correction needs a reason."), code="reason_required", field="reason"
        )
    previous = Result.objects.select_for_update(of=("self",)).get(pk=result.pk)
    if not previous.is_current or previous.status != Result.Status.RELEASED:
        raise ResultStateError(
            _("Only the current released version of a result can be corrected."), field="result"
        )
    component = Component.objects.get(pk=previous.component_id)
    new_raw, new_scale, new_outcome = previous.raw_score, previous.scale_score, previous.outcome
    new_evidence = dict(previous.evidence)
    if component.assessment == Component.Assessment.SIGN_OFF:
        if outcome not in (Result.Outcome.COMPLETED, Result.Outcome.NOT_COMPLETED):
            raise GradingError(
                _("A sign-off is completed or not completed."),
                code="invalid_outcome",
                field="outcome",
            )
        new_outcome = outcome
        if evidence is not None:
            new_evidence = _check_evidence(component, evidence, completed=outcome == "completed")
    elif raw_score is not None:
        version = ExamVersion.objects.get(pk=cast(int, previous.exam_version_id))  # scored: has one
        computed = score_for_version(version, raw_score)
        new_raw, new_scale, new_outcome = computed.raw, computed.scale, outcome_for(computed.passed)
    elif outcome in (Result.Outcome.NO_SHOW, Result.Outcome.REJECTED):
        new_raw, new_scale, new_outcome = None, None, outcome
    else:
        raise GradingError(
            _("Give the corrected raw score."), code="raw_score_required", field="raw_score"
        )
    if (new_raw, new_scale, new_outcome, new_evidence) == (
        previous.raw_score,
        previous.scale_score,
        previous.outcome,
        previous.evidence,
    ):
        raise GradingError(
            _("The correction changes nothing."),
            code="correction_changes_nothing",
            field="raw_score",
        )
    previous.is_current = False
    previous.status = Result.Status.SUPERSEDED
    previous.save(update_fields=["is_current", "status"])
    if previous.booking_id:
        latest = Result.objects.filter(booking_id=previous.booking_id).aggregate(v=Max("version"))
        version_number = latest["v"] + 1
    else:
        version_number = previous.version + 1
    now = timezone.now()
    corrected = Result.objects.create(
        candidate_id=previous.candidate_id,
        component_id=previous.component_id,
        level=previous.level,
        booking_id=previous.booking_id,
        exam_version_id=previous.exam_version_id,
        version=version_number,
        status=Result.Status.RELEASED,
        outcome=new_outcome,
        raw_score=new_raw,
        scale_score=new_scale,
        evidence=new_evidence,
        sat_on=previous.sat_on,
        created_by=actor if isinstance(actor, User) else None,
        released_at=now,
        released_by=actor if isinstance(actor, User) else None,
        corrects=previous,
        correction_reason=reason,
        import_batch_id=previous.import_batch_id,
    )
    record_event(
        actor,
        "grading.result.corrected",
        corrected,
        data={
            "candidate": corrected.candidate_id,
            "previous": previous.pk,
            "version": version_number,
            "reason": reason,
            "before": {
                "raw_score": previous.raw_score,
                "scale_score": previous.scale_score,
                "outcome": previous.outcome,
            },
            "after": {"raw_score": new_raw, "scale_score": new_scale, "outcome": new_outcome},
        },
    )
    transaction.on_commit(partial(_send_corrected, corrected, previous.pk))
    return corrected
