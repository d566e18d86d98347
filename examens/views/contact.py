"""A candidate's contact details: e-mail address, postal address, preferred language.

Without an e-mail address, the invitation and every notice about a booking go
by post (decision 0029); this page is where the municipality enters the
address. The gate answers 404 for a candidate the user may not see; one they
may see but not change (a planner, an examiner) is refused by the service's
rule (NotPermitted, the 403 page). The BSN is never in the address: the
candidate's id is.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from examens import authz, permissions
from examens.forms import ContactDetailsForm
from examens.services import update_candidate

from .errors import submit

CONTACT_FIELDS = ("email", "postal_address", "preferred_language")


def _back(request: HttpRequest, candidate_id: int) -> str:
    """Where to go after saving: `next` when it is a path on this site, else the candidate."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("examens:candidate-detail", kwargs={"candidate_id": candidate_id})


@require_http_methods(["GET", "POST"])
def candidate_contact(request, candidate_id: int) -> HttpResponse:
    """GET shows the form filled in; POST changes what changed (audited by the service,
    nothing when nothing changed). A refusal is shown on its field, nothing written."""
    candidate = permissions.candidate_for_viewer(request.user, candidate_id)
    authz.require(permissions.can_edit_candidate(request.user, candidate))
    form = ContactDetailsForm(
        request.POST if request.method == "POST" else None,
        initial={name: getattr(candidate, name) for name in CONTACT_FIELDS},
    )
    back = _back(request, candidate.pk)
    return submit(
        request,
        form,
        lambda data: update_candidate(
            candidate, actor=request.user, **{name: data[name] for name in CONTACT_FIELDS}
        ),
        success=_("The contact details have been saved."),
        then=back,
        template="examens/candidate_contact.html",
        context={"candidate": candidate, "form": form, "back": back},
    )
