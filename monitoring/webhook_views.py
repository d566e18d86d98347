"""Pages of an organisation's admin: register, list, read the delivery log of, disable,
enable again and delete webhook endpoints. Every change is a service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from examens.views.errors import act
from examens.views.fresh import fresh_factor_required
from examens.views.secret import create_then_show_secret, not_an_admin

from .services import (
    delete_webhook_endpoint,
    disable_webhook_endpoint,
    enable_webhook_endpoint,
    register_webhook_endpoint,
)
from .webhook_access import endpoint_for_admin, visible_endpoints, webhook_organisations
from .webhook_forms import EndpointForm
from .webhook_models import WebhookDelivery, WebhookEndpoint
from .webhook_signing import REPLAY_WINDOW_SECONDS

DELIVERIES_PER_PAGE = 25


def webhook_list(request):
    organisations = list(webhook_organisations(request.user))
    if not organisations:
        return not_an_admin(request)
    endpoints = visible_endpoints(request.user).select_related("organisation")
    return render(
        request,
        "monitoring/webhooks/list.html",
        {
            "endpoints": endpoints.order_by("organisation__name", "name", "pk"),
            "disabled": endpoints.filter(status=WebhookEndpoint.Status.DISABLED).count(),
        },
    )


@fresh_factor_required
@require_http_methods(["GET", "POST"])
def webhook_create(request):
    """The secret is shown once, on the answer to the POST: never stored, never again."""

    def create(data):
        endpoint, secret = register_webhook_endpoint(
            data["organisation"],
            actor=request.user,
            name=data["name"],
            url=data["url"],
            event_types=data["event_types"],
        )
        return {"endpoint": endpoint, "secret": secret, "window": REPLAY_WINDOW_SECONDS}

    return create_then_show_secret(
        request,
        organisations=list(webhook_organisations(request.user)),
        form_class=EndpointForm,
        create=create,
        form_template="monitoring/webhooks/form.html",
        created_template="monitoring/webhooks/created.html",
    )


def webhook_detail(request, endpoint_id: int):
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    if status in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    else:
        status = ""
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/webhooks/detail.html",
        {
            "endpoint": endpoint,
            "page": page,
            "status": status,
            "statuses": WebhookDelivery.Status.choices,
            "Status": WebhookDelivery.Status,
        },
    )


@require_http_methods(["GET", "POST"])
def webhook_disable(request, endpoint_id: int):
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    if request.method == "GET":
        return render(
            request, "monitoring/webhooks/confirm.html", {"endpoint": endpoint, "action": "disable"}
        )
    return act(
        request,
        lambda: disable_webhook_endpoint(endpoint, actor=request.user),
        success=_("The endpoint is disabled: nothing is sent to it until you enable it again."),
        then=endpoint_url(endpoint),
    )


@require_POST
def webhook_enable(request, endpoint_id: int):
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    return act(
        request,
        lambda: enable_webhook_endpoint(endpoint, actor=request.user),
        success=_("The endpoint is enabled again; deliveries that waited are sent now."),
        then=endpoint_url(endpoint),
    )


@require_http_methods(["GET", "POST"])
def webhook_delete(request, endpoint_id: int):
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    if request.method == "GET":
        return render(
            request, "monitoring/webhooks/confirm.html", {"endpoint": endpoint, "action": "delete"}
        )
    delete_webhook_endpoint(endpoint, actor=request.user)
    messages.success(request, _("The endpoint and its delivery log are deleted."))
    return redirect("monitoring:webhook-list")


def endpoint_url(endpoint: WebhookEndpoint) -> str:
    return reverse("monitoring:webhook-detail", args=[endpoint.pk])
