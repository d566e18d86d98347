"""What the booking rules read about many candidates and one session, in a fixed number
of statements (the booking page's search results: `assess_many`)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence

from django.utils import timezone

from examens.models import Candidate, Decision, RouteRequirement

from ..models import Booking, ExamSession
from .context import EligibilityContext, registered_facts
from .inputs import RULE_DECISIONS, Inputs, build_context


def load_inputs_many(candidates: Sequence[Candidate], session: ExamSession) -> dict[int, Inputs]:
    """`load_inputs(candidate, session)` for every candidate, keyed by pk, in three
    statements whatever their number (none for no candidates): the routes' requirements
    for the session's component, the candidates' live decisions of the rules' kinds
    (newest first, as `load_inputs`), and their bookings of the component."""
    ids = sorted({candidate.pk for candidate in candidates})
    if not ids:
        return {}
    component_id = session.component_id
    requirements = {
        requirement.route_id: requirement
        for requirement in RouteRequirement.objects.filter(
            route_id__in={candidate.route_id for candidate in candidates},
            component_id=component_id,
        )
    }
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in Decision.objects.filter(
        candidate_id__in=ids, withdrawn_at__isnull=True, kind__in=RULE_DECISIONS
    ).order_by("-decided_on", "-pk"):
        decisions[decision.candidate_id].append(decision)
    bookings: dict[int, list[Booking]] = defaultdict(list)
    for booking in Booking.objects.filter(candidate_id__in=ids, component_id=component_id):
        bookings[booking.candidate_id].append(booking)
    return {
        candidate.pk: Inputs(
            candidate_id=candidate.pk,
            session_id=session.pk,
            component_id=component_id,
            requirement=requirements.get(candidate.route_id),
            decisions=decisions.get(candidate.pk, []),
            bookings=bookings.get(candidate.pk, []),
        )
        for candidate in candidates
    }


def contexts_for(
    candidates: Sequence[Candidate],
    session: ExamSession,
    *,
    now: datetime.datetime | None = None,
) -> list[EligibilityContext]:
    """The rules' context of every candidate for `session`, in the candidates' order,
    with every registered check's facts read for all of them at once."""
    now = now or timezone.now()
    inputs = load_inputs_many(candidates, session)
    contexts = [
        build_context(candidate, session, now=now, inputs=inputs[candidate.pk])
        for candidate in candidates
    ]
    if contexts:
        for fact in registered_facts():
            values = list(fact.many(contexts))
            if len(values) != len(contexts):
                raise ValueError(
                    f"fact {fact.name} read {len(values)} values for {len(contexts)} contexts"
                )
            for context, value in zip(contexts, values, strict=True):
                context.facts[fact] = value
    return contexts
