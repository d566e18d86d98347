"""Examiner qualifications and blind double rating with adjudication."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.models import Component, Organisation, User
from scheduling.models import Booking, ExamSession

from .. import permissions, scoring
from ..exceptions import AlreadyRated, GradingError, NotQualified, RatingNotNeeded, ResultStateError
from ..models import ExaminerQualification, Rating, Result, Rubric
from ..permissions import can_rate
from .results import create_scored_draft


@transaction.atomic
def grant_qualification(
    user: User,
    *,
    actor: Actor,
    component: Component,
    organisation: Organisation,
    valid_from: datetime.date,
    valid_until: datetime.date,
    level: str = "",
) -> ExaminerQualification:
    """Qualify `user` to examine `component` (at `level`, or any level) for `organisation`.

    Rules: the window is ordered. Idempotent: the same qualification twice
    returns the first (a withdrawn one is not revived: granting it again makes
    a new one). Raises GradingError (field valid_until).
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_manage_qualifications(person, organisation))
    authz.require_fresh_factor(person)
    if not permissions.qualifiable_examiners(organisation).filter(pk=user.pk).exists():
        raise GradingError(
            _("Only an examiner of this organisation can be qualified for it."),
            code="not_examiner_of_organisation",
            field="user",
        )
    if valid_until < valid_from:
        raise GradingError(
            _("A qualification ends after it starts."), code="invalid_window", field="valid_until"
        )
    qualification, created = ExaminerQualification.objects.get_or_create(
        user=user,
        component=component,
        level=level,
        organisation=organisation,
        valid_from=valid_from,
        valid_until=valid_until,
        withdrawn_at=None,
    )
    if created:
        record_event(
            actor,
            "grading.qualification.granted",
            qualification,
            data={
                "user": user.pk,
                "component": component.code,
                "level": level,
                "organisation": organisation.pk,
                "valid_from": valid_from,
                "valid_until": valid_until,
            },
        )
    return qualification


@transaction.atomic
def withdraw_qualification(
    qualification: ExaminerQualification, *, actor: Actor, reason: str
) -> ExaminerQualification:
    """Withdraw a qualification from today on (never delete it).

    Rules: the qualification stops counting at once, also one that starts
    today or later (`withdrawn_at`); one that has started ends yesterday, so
    its dates tell the same story. Idempotent once withdrawn or ended: no
    second audit event. Side effect: audit event with the reason.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_manage_qualifications(person, qualification.organisation))
    authz.require_fresh_factor(person)
    qualification = ExaminerQualification.objects.select_for_update(of=("self",)).get(
        pk=qualification.pk
    )
    today = timezone.localdate()
    if qualification.withdrawn_at is not None or qualification.valid_until < today:
        return qualification
    qualification.valid_until = max(qualification.valid_from, today - datetime.timedelta(days=1))
    qualification.withdrawn_at = timezone.now()
    qualification.withdrawal_reason = reason
    qualification.save(update_fields=["valid_until", "withdrawn_at", "withdrawal_reason"])
    record_event(
        actor,
        "grading.qualification.withdrawn",
        qualification,
        data={"user": qualification.user_id, "reason": reason},
    )
    return qualification


def next_rating_kind(booking: Booking, ratings: list[Rating]) -> str | None:
    """Which rating the attempt needs next: first, second, adjudication, or None (decided)."""
    required = max(booking.component.raters_required, 1)
    independent = [r for r in ratings if r.kind != Rating.Kind.ADJUDICATION]
    if len(independent) < required:
        return Rating.Kind.FIRST if not independent else Rating.Kind.SECOND
    totals = [r.total for r in sorted(independent, key=lambda r: r.kind != Rating.Kind.FIRST)]
    adjudicated = any(r.kind == Rating.Kind.ADJUDICATION for r in ratings)
    tolerance = booking.component.rating_tolerance
    if scoring.needs_adjudication(totals, tolerance=tolerance) and not adjudicated:
        return Rating.Kind.ADJUDICATION
    return None


@transaction.atomic
def record_rating(booking: Booking, *, actor: Actor, scores: dict[str, int]) -> Rating:
    """Record one examiner's rubric points for a sat attempt at a rated component.

    Rules: the candidate sat (checked in); the actor holds a valid
    qualification for the component and level, of the session's organisation
    or assigned to the session; nobody rates an attempt twice (also enforced
    by the database). The first two ratings are independent and blind
    (selectors.ratings_visible_to); when their totals differ by more than the
    component's tolerance a third examiner adjudicates. When the final raw
    score is decided (rubric's final rule) a draft result is computed in the
    same transaction. Not idempotent. Raises NotQualified, AlreadyRated,
    RatingNotNeeded, ResultStateError, ScoringError.
    """
    person = authz.require_person(actor)
    if not permissions.can_rate(person, booking):
        raise NotQualified(field="booking")
    booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
    booking.session = ExamSession.objects.select_related("centre", "exam_version").get(
        pk=booking.session_id
    )
    booking.component = Component.objects.get(pk=booking.component_id)
    if booking.component.assessment != Component.Assessment.RATED:
        raise GradingError(
            _("This component is not rated by examiners."), code="not_rated", field="booking"
        )
    if booking.status != Booking.Status.CHECKED_IN:
        raise ResultStateError(
            _("Only an attempt the candidate sat can be rated."), code="not_sat", field="booking"
        )
    if not can_rate(person, booking):
        raise NotQualified(field="booking")
    ratings = list(Rating.objects.filter(booking=booking))
    if any(r.rater_id == person.pk for r in ratings):
        raise AlreadyRated(field="booking")
    if Result.objects.filter(booking=booking, is_current=True).exists():
        raise RatingNotNeeded(field="booking")
    kind = next_rating_kind(booking, ratings)
    if kind is None:
        raise RatingNotNeeded(field="booking")
    rubric = Rubric.objects.filter(exam_version_id=booking.session.exam_version_id).first()
    if rubric is None:
        raise GradingError(
            _("This exam version has no rubric yet."), code="no_rubric", field="booking"
        )
    clean, total = scoring.rubric_total(
        scores, aspects=rubric.aspects, gate_aspect=rubric.gate_aspect
    )
    rating = Rating.objects.create(
        booking=booking, rater=person, kind=kind, scores=clean, total=total
    )
    record_event(
        actor,
        "grading.rating.recorded",
        rating,
        data={"booking": booking.pk, "kind": kind, "total": total},
    )
    ratings.append(rating)
    by_kind = {r.kind: r.total for r in ratings}
    totals = [by_kind[k] for k in (Rating.Kind.FIRST, Rating.Kind.SECOND) if k in by_kind]
    if len(totals) < max(booking.component.raters_required, 1):
        return rating
    final = scoring.final_raw_score(
        totals,
        tolerance=booking.component.rating_tolerance,
        rule=rubric.final_rule,
        adjudication=by_kind.get(Rating.Kind.ADJUDICATION),
    )
    if final is not None:
        create_scored_draft(booking, actor=actor, raw=final, source="ratings")
    return rating
