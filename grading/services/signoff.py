"""Sign-offs of decentralised components and the overdue-result flags."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import SYSTEM, Actor, record_event
from examens.models import Candidate, Component
from scheduling.models import Booking

from ..deadlines import result_due_on
from ..exceptions import GradingError, NotQualified, ResultStateError
from ..models import OverdueFlag, Result
from ..permissions import can_sign_off
from ._evidence import check_evidence as _check_evidence
from .release import release_locked


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
    if not can_sign_off(person, candidate, component):
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
        created_by=person,
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
    return release_locked(result, actor=actor)


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
