"""Who may manage an organisation's webhooks: the gate for the pages and the predicate
the services share (examens.authz). Same 404 for an endpoint that is absent and one
of another organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from examens import permissions as registry
from examens.gates import gate
from examens.models import Organisation, User

from .webhook_models import WebhookEndpoint


def can_manage_webhooks(user: User, organisation: Organisation) -> bool:
    """The organisation's admins (and platform superusers), as for API tokens."""
    return registry.can_administer(user, organisation)


def webhook_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose webhooks `user` manages (where they are an admin)."""
    return registry.administered_organisations(user)


def visible_endpoints(user: User) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organisation__in=webhook_organisations(user))


def endpoint_for_admin(user: User, endpoint_id: int) -> WebhookEndpoint:
    return gate(visible_endpoints(user).select_related("organisation"), pk=endpoint_id)
