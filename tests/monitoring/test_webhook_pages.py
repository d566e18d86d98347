"""The admin's webhook pages: register (fresh code, secret once), list, log, disable,
enable again, delete; and the lower apps' changes that become events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from examens.exceptions import NotPermitted
from examens.models import AuditEvent, Role
from monitoring.services import (
    disable_webhook_endpoint,
    enable_webhook_endpoint,
    enqueue_webhook_event,
    register_webhook_endpoint,
)
from monitoring.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from monitoring.webhook_receivers import WEBHOOKS
from scheduling.services import book_candidate, cancel_booking
from tests.conftest import login_verified, mark_fresh
from tests.examens.factories import MembershipFactory, OrganisationFactory
from tests.scheduling.factories import SessionFactory, candidate_for, planner_of

from .factories import admin_of, endpoint_for


@pytest.fixture
def admin_client(client, db, clock):
    organisation = OrganisationFactory(name="Gemeente Deltadorp")
    admin = admin_of(organisation)
    login_verified(client, admin)
    client.organisation = organisation
    return client


def _form(url="https://zaken.deltadorp.example/hooks", **extra):
    return {
        "name": "Zaaksysteem",
        "url": url,
        "event_types": [WebhookEvent.RESULT_RELEASED, WebhookEvent.BOOKING_MADE],
        **extra,
    }


def test_registering_needs_a_fresh_code_and_shows_the_secret_once(admin_client):
    url = reverse("monitoring:webhook-create")
    assert admin_client.get(url).status_code == 302  # to re-enter a code
    mark_fresh(admin_client)
    organisation = admin_client.organisation

    answer = admin_client.post(url, {**_form(), "organisation": organisation.pk})

    assert answer.status_code == 201
    endpoint = WebhookEndpoint.objects.get(organisation=organisation)
    secret = answer.context["secret"]
    assert secret.startswith("whsec_")
    assert secret in answer.content.decode()
    assert endpoint.event_types == sorted([WebhookEvent.BOOKING_MADE, WebhookEvent.RESULT_RELEASED])
    assert AuditEvent.objects.filter(action="monitoring.webhook_endpoint.created").count() == 1
    detail = admin_client.get(reverse("monitoring:webhook-detail", args=[endpoint.pk]))
    assert secret not in detail.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "http://zaken.example.nl/hooks",
        "https://10.0.0.5/hooks",
        "https://169.254.169.254/latest",
        "https://user:pw@zaken.example.nl/",
        "ftp://zaken.example.nl/",
        "not a url",
    ],
)
def test_an_address_we_would_not_send_to_is_refused_on_its_field(admin_client, settings, url):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    mark_fresh(admin_client)

    answer = admin_client.post(
        reverse("monitoring:webhook-create"),
        {**_form(url), "organisation": admin_client.organisation.pk},
    )

    assert answer.status_code == 400
    assert answer.context["form"].errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_no_events_chosen_is_refused(admin_client):
    mark_fresh(admin_client)
    data = {**_form(), "organisation": admin_client.organisation.pk}
    data.pop("event_types")

    answer = admin_client.post(reverse("monitoring:webhook-create"), data)

    assert answer.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_only_admins_see_the_pages(client, db):
    planner = MembershipFactory(role=Role.PLANNER).user
    login_verified(client, planner)

    assert client.get(reverse("monitoring:webhook-list")).status_code == 403
    assert client.get(reverse("monitoring:webhook-create")).status_code in (302, 403)


def test_another_organisations_endpoint_is_not_found(admin_client, receiver):
    other, _ = endpoint_for(OrganisationFactory(), receiver.url)

    for name in ("webhook-detail", "webhook-disable", "webhook-delete"):
        assert admin_client.get(reverse(f"monitoring:{name}", args=[other.pk])).status_code == 404
    assert (
        admin_client.post(reverse("monitoring:webhook-delete", args=[other.pk])).status_code == 404
    )
    assert WebhookEndpoint.objects.filter(pk=other.pk).exists()


def test_the_log_shows_each_delivery_with_status_attempts_and_last_error(admin_client, receiver):
    endpoint, _ = endpoint_for(admin_client.organisation, receiver.url)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=WebhookEvent.BOOKING_MADE,
        payload={},
        attempts=3,
        last_status_code=503,
        last_error="",
        next_attempt_at=endpoint.created_at,
        give_up_at=endpoint.created_at,
        created_at=endpoint.created_at,
    )
    for _ in range(30):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type=WebhookEvent.BOOKING_MADE,
            payload={},
            status=WebhookDelivery.Status.DELIVERED,
            next_attempt_at=endpoint.created_at,
            give_up_at=endpoint.created_at,
            created_at=endpoint.created_at,
        )
    url = reverse("monitoring:webhook-detail", args=[endpoint.pk])

    pending = admin_client.get(url, {"status": "pending"})
    first, second = admin_client.get(url), admin_client.get(url, {"page": 2})

    assert pending.status_code == 200
    assert list(pending.context["page"]) == [delivery]
    assert "HTTP 503" in pending.content.decode()
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 6


def test_disable_asks_first_then_enable_again_and_delete_after_confirming(admin_client, receiver):
    endpoint, _ = endpoint_for(admin_client.organisation, receiver.url)
    disable = reverse("monitoring:webhook-disable", args=[endpoint.pk])

    assert admin_client.get(disable).status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.is_active  # the GET only asks

    assert admin_client.post(disable).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == WebhookEndpoint.DisabledReason.BY_ADMIN
    listing = admin_client.get(reverse("monitoring:webhook-list"))
    assert "status--bad" in listing.content.decode()

    admin_client.post(reverse("monitoring:webhook-enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_active

    delete = reverse("monitoring:webhook-delete", args=[endpoint.pk])
    assert admin_client.get(delete).status_code == 200
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert admin_client.post(delete).status_code == 302
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    actions = list(
        AuditEvent.objects.filter(object_id=str(endpoint.pk))
        .filter(action__startswith="monitoring.webhook_endpoint.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "monitoring.webhook_endpoint.disabled",
        "monitoring.webhook_endpoint.enabled",
        "monitoring.webhook_endpoint.deleted",
    ]


def test_enabling_again_sends_what_waited_with_a_new_day(db, clock, receiver):
    endpoint, _ = endpoint_for(OrganisationFactory(), receiver.url)
    admin = admin_of(endpoint.organisation)

    disable_webhook_endpoint(endpoint, actor=admin)
    assert (
        enqueue_webhook_event(WebhookEvent.BOOKING_MADE, actor=WEBHOOKS, candidate_id=0, objects={})
        == []
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=WebhookEvent.BOOKING_MADE,
        payload={},
        next_attempt_at=endpoint.created_at,
        give_up_at=endpoint.created_at,
        created_at=endpoint.created_at,
    )
    clock.advance(7 * 86400)

    enable_webhook_endpoint(endpoint, actor=admin)

    delivery.refresh_from_db()
    assert delivery.give_up_at.timestamp() == clock() + 86400
    assert delivery.next_attempt_at.timestamp() == clock()


def test_a_booking_made_and_cancelled_reach_the_municipalitys_receiver_signed(
    db, clock, receiver, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    candidate = candidate_for(session)
    _endpoint, secret = endpoint_for(candidate.municipality, receiver.url)
    planner = planner_of(session.centre.organisation)

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_candidate(session, actor=planner, candidate=candidate)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking, actor=planner)

    types = [r.json["type"] for r in receiver.requests]
    assert types == ["booking.made", "booking.cancelled"]
    assert all(receiver.verify(r, secret, now=clock()) for r in receiver.requests)
    assert receiver.requests[0].json["data"] == {
        "candidate_id": candidate.pk,
        "booking_id": booking.pk,
        "booking_reference": booking.reference,
    }


def test_registering_without_a_fresh_code_is_refused_by_the_service(db, clock):
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, role=Role.ADMIN).user

    with pytest.raises(NotPermitted):
        register_webhook_endpoint(
            organisation,
            actor=admin,
            name="n",
            url="https://zaken.example.nl/",
            event_types=[WebhookEvent.BOOKING_MADE],
        )
    assert not WebhookEndpoint.objects.exists()
