"""Booking a candidate into a session: find them by name (or privately by BSN), see at
once which of them may be booked, book them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from examens.models import Candidate
from examens.search import (
    NameQuery,
    clean_query,
    dropped_words_notice,
    looks_like_bsn,
    name_query,
    number_in_address_notice,
    return_path,
)
from examens.views.errors import act

from .. import eligibility, permissions, services
from ..forms import CandidateSearchForm
from ..models import ExamSession
from .find import bookable_by_bsn, found_page
from .planning import session_url


@dataclass(frozen=True)
class FoundRow:
    """One search result and whether it may be booked into the session (advisory:
    `book_candidate` checks again under its lock)."""

    candidate: Candidate
    assessment: eligibility.Assessment

    @property
    def reason(self) -> str:
        """The first rule not met, in words ("" when bookable)."""
        problems = self.assessment.problems
        return str(problems[0].message) if problems else ""

    @property
    def more(self) -> int:
        """How many more rules are not met."""
        return max(0, len(self.assessment.problems) - 1)


def found_rows(page, session: ExamSession) -> list[FoundRow]:
    """The page's candidates with their assessments, read in a fixed number of
    statements whatever the number of rows (`eligibility.assess_many`)."""
    candidates = list(page.object_list)
    assessments = eligibility.assess_many(candidates, session)
    return [FoundRow(candidate, assessments[candidate]) for candidate in candidates]


def _book_page(
    request,
    session: ExamSession,
    *,
    search: NameQuery | None = None,
    chosen=None,
    notice: str = "",
    status: int = 200,
):
    search = search or name_query("")
    page = found_page(request, search.words)
    return render(
        request,
        "scheduling/book.html",
        {
            "session": session,
            "form": CandidateSearchForm(initial={"q": search.text}),
            "query": search.text,
            "page": page,
            "rows": found_rows(page, session) if page is not None else [],
            "chosen": chosen,
            "assessment": eligibility.assess(chosen, session) if chosen else None,
            "notice": notice or dropped_words_notice(search),
            # The language switch returns here: never to an address that carried a number.
            "language_next": return_path(request),
        },
        status=status,
    )


def session_book(request, session_id: int):
    """Candidates by `?q=` name, each with whether it may be booked (and a Book button
    when it may), the full eligibility of `?candidate=`, and booking by POST.

    A number in `q` is refused unseen (examens.search): it is not searched, not
    repeated on the page, and the page points to the search box, which posts.
    """
    session = permissions.session_for_planner(request.user, session_id)
    query = request.GET.get("q", "")
    if looks_like_bsn(query):
        return _book_page(request, session, notice=number_in_address_notice(), status=400)
    form = CandidateSearchForm(request.GET or None)
    search = name_query(form.cleaned_data["q"] if form.is_valid() else "")

    if request.method == "POST":
        chosen = permissions.candidate_for_booking(request.user, request.POST.get("candidate"))

        def booked(booking):
            if booking.outside_term:
                messages.warning(
                    request, _("Note: the session falls outside the candidate's term.")
                )
            return redirect(session_url(session.pk))

        return act(
            request,
            lambda: services.book_candidate(session, actor=request.user, candidate=chosen),
            success=lambda booking: (
                _("%(name)s is booked (reference %(ref)s).")
                % {"name": chosen.full_name, "ref": booking.reference}
            ),
            then=booked,
            refused=lambda error: _book_page(
                request, session, search=search, chosen=chosen, status=409
            ),
        )
    if request.GET.get("candidate"):
        chosen = permissions.candidate_for_booking(request.user, request.GET.get("candidate"))
        return _book_page(request, session, search=search, chosen=chosen)
    return _book_page(request, session, search=search)


@require_POST
def session_book_find(request, session_id: int):
    """The booking page's search box posts here, so that a BSN never enters a URL or a log.

    A name goes on to the page's GET address (`?q=`); a number is looked up among
    the candidates the planner may book and opens that candidate's eligibility
    by id (`?candidate=`). An invalid or unknown number is answered on the page,
    without repeating it.
    """
    session = permissions.session_for_planner(request.user, session_id)
    query = clean_query(request.POST.get("q", ""))
    url = reverse("scheduling:session-book", args=[session.pk])
    if not looks_like_bsn(query):
        return redirect(f"{url}?{urlencode({'q': query})}" if query else url)
    candidate, refusal = bookable_by_bsn(request.user, query)
    if candidate is None:
        return _book_page(request, session, notice=refusal, status=400)
    return redirect(f"{url}?{urlencode({'candidate': candidate.pk})}")
