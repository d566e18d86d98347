"""Reads of the registry that views and other apps rely on."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils import timezone

from .models import Candidate, Decision, Membership, Role, User
from .permissions import visible_candidates
from .search import name_filter


def roles_of(user: User) -> list[Membership]:
    """The user's memberships with their organisations, for the home page."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def search_candidates(
    user: User, *, words: Sequence[str] = (), municipality_id: int | None = None
) -> QuerySet[Candidate]:
    """Candidates `user` may see whose names hold every one of `words`; never by BSN here.

    One statement whatever the number of words: each word adds one condition
    (family or given names contain it), AND-ed (examens.search). Callers cap
    the words with `search.name_query`.
    """
    qs = visible_candidates(user).select_related("municipality", "route__regime")
    if words:
        qs = qs.filter(name_filter(words, "family_name", "given_names"))
    if municipality_id:
        qs = qs.filter(municipality_id=municipality_id)
    return qs.order_by("family_name", "given_names", "pk")


def candidates_with_term_ending(user: User, *, within_days: int = 180) -> QuerySet[Candidate]:
    """Visible candidates whose term ends within `within_days` (the people at risk)."""
    today = timezone.localdate()
    return (
        visible_candidates(user, roles={Role.OFFICER, Role.ADMIN})
        .filter(term_end__gte=today, term_end__lte=today + datetime.timedelta(days=within_days))
        .select_related("municipality", "route")
        .order_by("term_end")
    )


def decisions_of(candidate: Candidate) -> QuerySet[Decision]:
    return candidate.decisions.select_related("component", "decided_by", "decided_for")


def accommodations_from(decisions) -> tuple[set[str], int]:
    """The accommodation needs and the longest extra time among `decisions`.

    Only active accommodation decisions count; callers that loaded a
    candidate's decisions already pass them in instead of querying again.
    """
    needs: set[str] = set()
    minutes = 0
    for decision in decisions:
        if decision.kind != Decision.Kind.ACCOMMODATION or decision.withdrawn_at is not None:
            continue
        needs.update(decision.needs)
        minutes = max(minutes, decision.extra_minutes or 0)
    return needs, minutes


def active_accommodations(candidate: Candidate) -> tuple[set[str], int]:
    """The candidate's accommodation needs and extra minutes from active decisions."""
    return accommodations_from(
        candidate.decisions.filter(kind=Decision.Kind.ACCOMMODATION, withdrawn_at__isnull=True)
    )
