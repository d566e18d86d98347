"""Staff pages of the registry: home per role, candidates, decisions."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from examens import navigation, permissions, selectors
from examens.exceptions import ExamAdminError
from examens.forms import CandidateSearchForm, DecisionForm, FindByBsnForm
from examens.models import Candidate, Role
from examens.search import (
    NameQuery,
    clean_query,
    dropped_words_notice,
    looks_like_bsn,
    name_query,
    number_in_address_notice,
    return_path,
)
from examens.services import normalise_bsn, record_decision

from .errors import attach_error, submit


def healthz(request):
    """Liveness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    memberships = selectors.roles_of(request.user)
    roles = {m.role for m in memberships}
    context = {
        "memberships": memberships,
        "roles": roles,
        "Role": Role,
        "at_risk": selectors.candidates_with_term_ending(request.user)[:10]
        if roles & {Role.OFFICER, Role.ADMIN}
        else [],
        "candidate_count": permissions.visible_candidates(request.user).count(),
        "at_risk_link": navigation.home_link(navigation.AT_RISK_SLOT, roles),
    }
    return render(request, "examens/home.html", context)


def _candidate_page(
    request,
    *,
    search: NameQuery | None = None,
    find_form: FindByBsnForm | None = None,
    notice: str = "",
    status: int = 200,
):
    """The candidate list: the search forms (both POST), the candidates of `search`."""
    search = search or name_query("")
    candidates = selectors.search_candidates(request.user, words=search.words)
    page = Paginator(candidates, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "examens/candidate_list.html",
        {
            "form": CandidateSearchForm(initial={"q": search.text}),
            "page": page,
            "find_form": find_form or FindByBsnForm(),
            "query": search.text,
            "notice": notice or dropped_words_notice(search),
            # The language switch returns here: never to an address that carried a number.
            "language_next": return_path(request),
        },
        status=status,
    )


def candidate_list(request):
    """The list, filtered by `?q=` names. A number in `q` is refused unseen: a BSN there
    would already be in the address bar and the access log, so it is not searched,
    not repeated on the page, and the page points to the look-up."""
    query = request.GET.get("q", "")
    if looks_like_bsn(query):
        return _candidate_page(request, notice=number_in_address_notice(), status=400)
    form = CandidateSearchForm(request.GET or None)
    search = name_query(form.cleaned_data["q"] if form.is_valid() else "")
    return _candidate_page(request, search=search)


@require_http_methods(["POST"])
def candidate_find(request):
    """Both search forms post here, so that a BSN never enters a URL or a log.

    A name (`q` without a number) is sent on to the list's GET address; a
    number, typed in either box (`q` or `bsn`), is looked up among the
    candidates the user may see and opens that candidate by id.
    """
    query = request.POST.get("q")
    if query is not None:
        query = clean_query(query)
        if not looks_like_bsn(query):
            url = reverse("examens:candidate-list")
            return redirect(f"{url}?{urlencode({'q': query})}" if query else url)
    form = FindByBsnForm({"bsn": query} if query is not None else request.POST)
    candidate = None
    if form.is_valid():
        try:
            number = normalise_bsn(form.cleaned_data["bsn"])
        except ExamAdminError as error:
            attach_error(form, error)
        else:
            candidate = permissions.visible_candidates(request.user).filter(bsn=number).first()
            if candidate is None:
                form.add_error("bsn", _("No candidate you may see has this BSN."))
    if candidate is not None:
        return redirect("examens:candidate-detail", candidate_id=candidate.pk)
    return _candidate_page(request, find_form=form, status=400)


def candidate_detail(request, candidate_id: int):
    candidate = permissions.candidate_for_viewer(request.user, candidate_id)
    needs, minutes = selectors.active_accommodations(candidate)
    return render(
        request,
        "examens/candidate_detail.html",
        {
            "candidate": candidate,
            "decisions": selectors.decisions_of(candidate),
            "requirements": candidate.route.requirements.select_related("component"),
            "needs": sorted(needs),
            "extra_minutes": minutes,
            "can_decide": bool(permissions.decision_kinds_for(request.user, candidate)),
            # Contact details are shown to those who may change them (decision 0029).
            "can_edit": permissions.can_edit_candidate(request.user, candidate),
            "links": navigation.candidate_links(request.user, candidate),
        },
    )


def decision_create(request, candidate_id: int):
    candidate: Candidate = permissions.candidate_for_viewer(request.user, candidate_id)
    allowed = permissions.decision_kinds_for(request.user, candidate)
    if not allowed:
        return render(request, "examens/not_allowed.html", status=403)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = DecisionForm(request.POST or None, allowed_kinds=allowed)
    return submit(
        request,
        form,
        lambda data: record_decision(
            candidate,
            actor=request.user,
            organisation=permissions.deciding_organisation(request.user, candidate, data["kind"]),
            kind=data["kind"],
            reason=data["reason"],
            component=data["component"],
            ground=data["ground"],
            level=data["level"],
            extension_days=data["extension_days"],
            extra_minutes=data["extra_minutes"],
            needs=data["needs"],
            evidence_reference=data["evidence_reference"],
        ),
        success=_("The decision has been recorded."),
        then=reverse("examens:candidate-detail", kwargs={"candidate_id": candidate.pk}),
        template="examens/decision_form.html",
        context={"candidate": candidate, "form": form},
    )
