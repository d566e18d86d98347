"""Results: computed drafts, release, versioned corrections, sign-offs, attendance outcomes."""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import SYSTEM, Actor, record_event
from examens.jobs import enqueue_on_commit
from examens.models import Candidate, Component, Decision, ExamVersion, Organisation, User
from examens.services import record_decision
from scheduling.models import Booking, ExamSession

from .. import permissions, scoring
from ..deadlines import late_result_extension_days, result_due_on
from ..exceptions import EvidenceMissing, GradingError, NotQualified, ResultStateError
from ..models import OverdueFlag, Result, SignOffRequirement
from ..permissions import can_sign_off
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
    outcomes = {
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


def _release_locked(result: Result, *, actor) -> Result:
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
    return _release_locked(result, actor=actor)


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
    return [_release_locked(result, actor=actor) for result in drafts]


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
        version = ExamVersion.objects.get(pk=previous.exam_version_id)
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


def _check_evidence(component: Component, evidence: dict, *, completed: bool) -> dict:
    """Validate sign-off evidence against the component's requirement; returns the clean dict."""
    requirement = SignOffRequirement.objects.filter(component=component).first()
    clean: dict = {}
    hours = evidence.get("hours")
    if hours not in (None, ""):
        try:
            clean["hours"] = int(hours)
        except (TypeError, ValueError) as exc:
            raise EvidenceMissing(_("Hours are a whole number."), field="hours") from exc
        if clean["hours"] < 0:
            raise EvidenceMissing(_("Hours cannot be negative."), field="hours")
    start, end = evidence.get("started_on"), evidence.get("ended_on")
    for name, value in (("started_on", start), ("ended_on", end)):
        if value in (None, ""):
            continue
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError as exc:
                raise EvidenceMissing(_("Enter a valid date."), field=name) from exc
        clean[name] = value.isoformat()
    if "started_on" in clean and "ended_on" in clean and clean["started_on"] > clean["ended_on"]:
        raise EvidenceMissing(_("The end date lies before the start date."), field="ended_on")
    if "ended_on" in clean and clean["ended_on"] > timezone.localdate().isoformat():
        raise EvidenceMissing(_("The end date lies in the future."), field="ended_on")
    reference = (evidence.get("declaration_reference") or "").strip()
    if reference:
        clean["declaration_reference"] = reference
    note = (evidence.get("note") or "").strip()
    if note:
        clean["note"] = note
    if requirement is None or not completed:
        return clean
    if requirement.min_hours and clean.get("hours", 0) < requirement.min_hours:
        raise EvidenceMissing(
            _("%(component)s needs at least %(hours)d practical hours.")
            % {"component": component.code, "hours": requirement.min_hours},
            field="hours",
        )
    if requirement.needs_declaration_reference and not reference:
        raise EvidenceMissing(
            _("Give the reference of the signed participation declaration."),
            field="declaration_reference",
        )
    if requirement.needs_period and not ("started_on" in clean and "ended_on" in clean):
        raise EvidenceMissing(_("Give the start and end dates."), field="started_on")
    return clean


@transaction.atomic
def sign_off_component(
    candidate: Candidate,
    *,
    actor: Actor,
    component: Component,
    completed: bool,
    evidence: dict,
    completed_on: datetime.date | None = None,
) -> Result:
    """Sign off a decentralised component (PVT, MAP, ONA, final interview): completed or not.

    Rules: the component is signed off (no score) and on the candidate's
    route; the actor holds a valid qualification for it with the candidate's
    municipality or a provider that municipality contracted; a completed
    sign-off carries the evidence the component needs (MAP: at least 40
    practical hours; start and end dates; PVT: the signed declaration's
    reference). The sign-off is the release: the result is released at once.
    Not idempotent, but refuses a second sign-off while a completed one is
    current (correct that one instead). Raises NotQualified, EvidenceMissing,
    GradingError. Side effect: `result_released` on commit.
    """
    person = authz.require_person(actor)
    authz.require_fresh_factor(person)
    if component.assessment != Component.Assessment.SIGN_OFF:
        raise GradingError(
            _("%(component)s is not signed off but scored.") % {"component": component.code},
            code="not_a_sign_off_component",
            field="component",
        )
    candidate = Candidate.objects.select_for_update(of=("self",)).get(pk=candidate.pk)
    if not candidate.route.requirements.filter(component=component).exists():
        raise GradingError(
            _("The candidate's route does not include %(component)s.")
            % {"component": component.code},
            code="not_on_route",
            field="component",
        )
    if not can_sign_off(actor, candidate, component):
        raise NotQualified(field="component")
    if Result.objects.filter(
        candidate=candidate,
        component=component,
        booking__isnull=True,
        is_current=True,
        outcome=Result.Outcome.COMPLETED,
    ).exists():
        raise ResultStateError(
            _("This component is already signed off as completed; correct that result instead."),
            code="already_signed_off",
            field="component",
        )
    clean = _check_evidence(component, evidence, completed=completed)
    completed_on = completed_on or timezone.localdate()
    result = Result.objects.create(
        candidate=candidate,
        component=component,
        outcome=Result.Outcome.COMPLETED if completed else Result.Outcome.NOT_COMPLETED,
        evidence=clean,
        sat_on=completed_on,
        created_by=actor,
    )
    record_event(
        actor,
        "grading.result.signed_off",
        result,
        data={
            "candidate": candidate.pk,
            "component": component.code,
            "outcome": result.outcome,
            "evidence": clean,
        },
    )
    return _release_locked(result, actor=actor)


@transaction.atomic
def _flag_one(booking_id: int, *, actor, due_on: datetime.date) -> bool:
    booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking_id)
    if OverdueFlag.objects.filter(booking=booking).exists():
        return False
    if Result.objects.filter(
        booking=booking, is_current=True, status=Result.Status.RELEASED
    ).exists():
        return False
    flag = OverdueFlag.objects.create(booking=booking, due_on=due_on, flagged_at=timezone.now())
    record_event(
        actor,
        "grading.result.overdue",
        flag,
        data={"booking": booking.pk, "candidate": booking.candidate_id, "due_on": due_on},
    )
    return True


def flag_overdue_results(*, actor: Actor = SYSTEM, today=None) -> int:
    """Flag sat attempts whose result is not released by its due date (8 weeks; NT2 6).

    Selects cheaply, then locks and re-checks each booking in its own
    transaction. Idempotent: a booking is flagged once (safe to run twice).
    Returns the number of new flags.
    """
    authz.require_job(actor)
    today = today or timezone.localdate()
    earliest_due = today - datetime.timedelta(days=42)
    candidates = (
        Booking.objects.filter(
            status__in=(Booking.Status.CHECKED_IN, Booking.Status.NO_SHOW),
            session__starts_at__date__lt=earliest_due,
            overdue_flag__isnull=True,
        )
        .exclude(results__is_current=True, results__status=Result.Status.RELEASED)
        .values_list("pk", "level", "session__starts_at")
        .order_by("pk")
    )
    flagged = 0
    for pk, level, starts_at in candidates.iterator(chunk_size=2000):
        due_on = result_due_on(timezone.localdate(starts_at), level=level)
        if due_on >= today:
            continue
        flagged += _flag_one(pk, actor=actor, due_on=due_on)
    return flagged
