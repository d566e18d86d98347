"""The planner's candidate search, shared by the booking page and the waiting list.

By name (and, on the waiting list, date of birth) on the page's GET address; by BSN
only through a POST (`bookable_by_bsn`), which opens the candidate by id: a number
typed in a search box never enters a URL (examens.search).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _

from examens.exceptions import InvalidBsn
from examens.models import Candidate
from examens.services import normalise_bsn

from .. import permissions, selectors

CANDIDATES_PER_PAGE = 20


def bookable_by_bsn(user, query: str) -> tuple[Candidate | None, str]:
    """The candidate `user` may book whose BSN `query` holds, or None and what the page
    says instead (the number fails the eleven-check, or no such candidate); the answer
    never repeats the number."""
    try:
        number = normalise_bsn(query)
    except InvalidBsn as error:
        return None, str(error.message)
    candidate = permissions.bookable_candidates(user).filter(bsn=number).first()
    if candidate is None:
        return None, _("No candidate you may book has this BSN.")
    return candidate, ""


def found_page(request, words: Sequence[str], *, born: datetime.date | None = None) -> Page | None:
    """The page (`?page=`) of the candidates the planner may book whose names hold every
    one of `words`, born on `born` when given; None when there is nothing to search."""
    if not words and born is None:
        return None
    matches = selectors.candidates_to_book(request.user, words=words)
    if born is not None:
        matches = matches.filter(date_of_birth=born)
    return Paginator(matches, CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
