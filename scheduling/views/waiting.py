"""The waiting list: find a candidate by name and date of birth (or privately by BSN),
choose them, put them on a centre's list; accept an offered seat.

A BSN never enters an address: the search box posts (`waiting_find`), a name and a
date of birth go on to the page's GET address, a number is looked up and opens the
candidate by id. Every change is a scheduling service call.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from examens.gates import gate
from examens.search import (
    clean_query,
    dropped_words_notice,
    looks_like_bsn,
    name_query,
    number_in_address_notice,
    return_path,
)
from examens.views.errors import act, submit

from .. import permissions, selectors, services
from ..forms import WaitingListForm, WaitingSearchForm
from .find import bookable_by_bsn, found_page

TEMPLATE = "scheduling/waiting_list.html"


def _list_url(**params) -> str:
    url = reverse("scheduling:waiting-list")
    query = {key: value for key, value in params.items() if value}
    return f"{url}?{urlencode(query)}" if query else url


def _chosen(request, candidates):
    """The candidate the page works on: `candidate` of the POST or the address (404 if
    it is not one the planner may book)."""
    value = request.POST.get("candidate") if request.method == "POST" else None
    if value is None:
        value = request.GET.get("candidate")
    if not value:
        return None
    if request.method == "POST":
        # A bad id in the form is the form's error (shown on its field), not a 404.
        return candidates.filter(pk=value).first() if str(value).isdigit() else None
    return gate(candidates, pk=value)


def waiting_list(request):
    """The entries of the planner's centres, the candidate search, and adding by POST."""
    centres = permissions.planner_centres(request.user)
    candidates = permissions.bookable_candidates(request.user)
    notice = ""
    status = 200
    query = request.GET.get("q", "")
    search_form = WaitingSearchForm(request.GET or None)
    born: datetime.date | None = None
    if looks_like_bsn(query):
        search_form = WaitingSearchForm()
        query, notice, status = "", number_in_address_notice(), 400
    elif search_form.is_valid():
        born = search_form.cleaned_data["born"]
    elif search_form.errors:
        status = 400
    search = name_query(query)
    notice = notice or dropped_words_notice(search)
    found = found_page(request, search.words, born=born)
    chosen = _chosen(request, candidates)
    form = WaitingListForm(
        request.POST or None, centres=centres, candidates=candidates, chosen=chosen
    )

    def context():
        return {
            "entries": selectors.waiting_list_of(centres),
            "form": form,
            "search_form": search_form,
            "query": search.text,
            "born": born.isoformat() if born else "",
            "found": found,
            "chosen": chosen,
            "notice": notice,
            "language_next": return_path(request),
        }

    if request.method != "POST" and status != 200:
        return render(request, TEMPLATE, context(), status=status)
    return submit(
        request,
        form,
        lambda data: services.add_to_waiting_list(
            data["candidate"],
            actor=request.user,
            centre=data["centre"],
            component=data["component"],
        ),
        success=_("The candidate is on the waiting list."),
        then=reverse("scheduling:waiting-list"),
        template=TEMPLATE,
        context=context,
    )


@require_POST
def waiting_find(request):
    """The search box posts here: a name (and date of birth) goes on to the list's GET
    address; a BSN is looked up among the candidates the planner may book and opens
    that candidate by id. A bad date or an unknown number is answered on the page."""
    form = WaitingSearchForm(request.POST)
    query = clean_query(request.POST.get("q", ""))
    if not looks_like_bsn(query):
        if not form.is_valid():
            return _search_refused(request, form)
        born = form.cleaned_data["born"]
        return redirect(_list_url(q=query, born=born.isoformat() if born else ""))
    candidate, refusal = bookable_by_bsn(request.user, query)
    if candidate is None:
        form.add_error("q", refusal)
        return _search_refused(request, form)
    return redirect(_list_url(candidate=candidate.pk))


def _search_refused(request, search_form):
    """The list page with the search's errors on their fields (a typed BSN is not
    repeated: forms.NoNumberEchoInput)."""
    centres = permissions.planner_centres(request.user)
    candidates = permissions.bookable_candidates(request.user)
    context = {
        "entries": selectors.waiting_list_of(centres),
        "form": WaitingListForm(centres=centres, candidates=candidates),
        "search_form": search_form,
        "query": "",
        "born": "",
        "found": None,
        "chosen": None,
        "notice": "",
        "language_next": request.path,
    }
    return render(request, TEMPLATE, context, status=400)


@require_POST
def offer_accept(request, entry_id: int):
    entry = permissions.waiting_entry_for_planner(request.user, entry_id)
    return act(
        request,
        lambda: services.accept_offer(entry, actor=request.user),
        success=lambda booking: _("Booked (reference %(ref)s).") % {"ref": booking.reference},
        then=reverse("scheduling:waiting-list"),
    )
