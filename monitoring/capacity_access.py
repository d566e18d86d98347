"""Who may see the capacity view (decision 0015).

Capacity is aggregate and holds no personal data, and every centre's published
sessions are the national availability list, so the figures are national for
everyone who may see them: planners of any organisation (they publish sessions and
book residents into any centre) and officers of any organisation (the agency's plan
capacity; a municipality's follow their residents' terms). Other roles do not
plan, so the page does not exist for them (404). API tokens need `capacity:read`.
"""

from __future__ import annotations

from examens.models import Role, User
from examens.permissions import memberships

CAPACITY_ROLES = frozenset({Role.PLANNER, Role.OFFICER})


def may_see_capacity(user: User) -> bool:
    return user.is_authenticated and memberships(user, CAPACITY_ROLES).exists()
