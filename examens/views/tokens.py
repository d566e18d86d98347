"""Pages of an organisation's admin: list, create and revoke the organisation's API tokens.

Every change is a service call (examens.services.access), which authorises
its actor itself; these pages only narrow what is offered and map refusals.
The secret is shown once, on the answer to the POST that creates it
(examens.views.secret), behind a fresh second factor.
"""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from examens import permissions
from examens.forms import ApiTokenForm
from examens.models import ApiScope
from examens.services import create_api_token, revoke_api_token

from .errors import act
from .fresh import fresh_factor_required
from .secret import create_then_show_secret, not_an_admin

SCOPE_LABELS = dict(ApiScope.choices)


def token_list(request):
    if not permissions.administered_organisations(request.user).exists():
        return not_an_admin(request)
    tokens = (
        permissions.visible_tokens(request.user)
        .select_related("organisation", "created_by")
        .order_by("organisation__name", F("revoked_at").asc(nulls_first=True), "-created_at", "-pk")
    )
    rows = [(token, [SCOPE_LABELS.get(s, s) for s in token.scopes]) for token in tokens]
    return render(request, "examens/tokens/list.html", {"rows": rows})


@fresh_factor_required
@require_http_methods(["GET", "POST"])
def token_create(request):
    """The secret is shown once, on the answer to the POST: never stored, never again."""

    def create(data):
        token, secret = create_api_token(
            data["organisation"], actor=request.user, name=data["name"], scopes=data["scopes"]
        )
        scopes = [SCOPE_LABELS.get(s, s) for s in token.scopes]
        return {"token": token, "secret": secret, "scopes": scopes}

    return create_then_show_secret(
        request,
        organisations=list(permissions.administered_organisations(request.user)),
        form_class=ApiTokenForm,
        create=create,
        form_template="examens/tokens/form.html",
        created_template="examens/tokens/created.html",
    )


@require_http_methods(["GET", "POST"])
def token_revoke(request, token_id: int):
    token = permissions.token_for_admin(request.user, token_id)
    if request.method == "GET":
        return render(request, "examens/tokens/revoke.html", {"token": token})
    return act(
        request,
        lambda: revoke_api_token(token, actor=request.user),
        success=_("The token is revoked: every call made with it is refused from now on."),
        then=reverse("examens:token-list"),
    )
