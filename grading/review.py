"""What the release page and the examiner pages' cross links read (issue 12)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from examens.permissions import visible_candidates
from scheduling.models import Booking, ExamSession

from . import permissions
from .models import Result
from .selectors import session_results

# Blind double rating: a rated component needs the first and the second rating.
RATINGS_NEEDED = 2


@dataclass
class ReleaseOverview:
    ready: list[Result] = field(default_factory=list)
    # (booking, ratings in) of checked-in attempts still waiting for a rating.
    unrated: list[tuple[Booking, int]] = field(default_factory=list)


def release_overview(session: ExamSession) -> ReleaseOverview:
    """The draft results the release would publish, and the attempts it would leave out."""
    overview = ReleaseOverview()
    for row in session_results(session):
        result, booking = row["result"], row["booking"]
        if result is not None and result.is_current and result.status == Result.Status.DRAFT:
            result.booking = booking
            overview.ready.append(result)
        elif row["missing"] == "ratings" and booking.ratings_in < RATINGS_NEEDED:
            overview.unrated.append((booking, booking.ratings_in))
    return overview


def rateable_ids(user, bookings: Iterable[Booking]) -> set[int]:
    """Which of `bookings` the user may open on the rating page."""
    return {b.pk for b in bookings if permissions.can_rate(user, b)}


def candidate_ids_visible(user, candidate_ids: Iterable[int]) -> set[int]:
    """Which candidates' progress pages the user may open."""
    ids = set(candidate_ids)
    if not ids:
        return set()
    return set(visible_candidates(user).filter(pk__in=ids).values_list("pk", flat=True))


def session_ids_coordinated(user, session_ids: Iterable[int]) -> set[int]:
    """Which sessions' result pages the user may open."""
    ids = {pk for pk in session_ids if pk}
    if not ids:
        return set()
    return set(
        permissions.coordinated_sessions(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
