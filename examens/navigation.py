"""Links that higher apps add to the staff navigation, the home page and the candidate page.

Each app registers its entries in AppConfig.ready(); examens shows them to the
roles they are for, without importing the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from . import authz
from .permissions import memberships

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NavEntry:
    label: StrOrPromise  # lazily translated
    url_name: str
    roles: frozenset[str]
    description: StrOrPromise = ""
    # A further test on the user, for a page that a role alone does not open (the
    # national view: officers of the agency only). None: the roles decide.
    allowed: Callable[[Any], bool] | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_entries: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    """Add `entry` once (ready() may run more than once in tests)."""
    if entry not in _entries:
        _entries.append(entry)


def entries_for(user, roles: set[str]) -> list[NavEntry]:
    """The entries `user`, holding `roles`, may open: no link that answers 403."""
    return [
        entry
        for entry in _entries
        if entry.roles & roles and (entry.allowed is None or entry.allowed(user))
    ]


def require_entry(user, url_name: str) -> None:
    """NotPermitted (the 403 page with a link home) unless `user` holds one of the roles
    the navigation entry `url_name` is for: a page outside one's role is refused, not
    shown empty."""
    roles = {role for entry in _entries if entry.url_name == url_name for role in entry.roles}
    authz.require(bool(roles) and memberships(user, roles).exists())


# A candidate link provider: (user, candidate) -> [(label, url), ...], already
# filtered by what the user may open.
_candidate_link_providers: list = []


def register_candidate_links(provider) -> None:
    if provider not in _candidate_link_providers:
        _candidate_link_providers.append(provider)


def candidate_links(user, candidate) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = []
    for provider in _candidate_link_providers:
        links.extend(provider(user, candidate))
    return links


# Places on the home page that a higher app fills with one link, by name. The short
# "term ending" list on the home page points to the full at-risk list (monitoring)
# through the slot AT_RISK_SLOT, without examens naming a URL of an app above it.
AT_RISK_SLOT = "at_risk"
_home_links: dict[str, NavEntry] = {}


def register_home_link(slot: str, entry: NavEntry) -> None:
    _home_links[slot] = entry


def home_link(slot: str, roles: set[str]) -> NavEntry | None:
    """The entry registered for `slot` when it is for one of `roles` (else None)."""
    entry = _home_links.get(slot)
    if entry is None or not entry.roles & roles:
        return None
    return entry
