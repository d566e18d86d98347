"""The webhook outbox against a local receiver: signed, ids only, retried, disabled, leased.

A real HTTP server on 127.0.0.1 (tests/monitoring/factories.Receiver) records every
request and recomputes the signature; the outbox's clock is moved by hand.
"""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from config.celery import app
from examens.models import AuditEvent
from monitoring.services import (
    claim_webhook_delivery,
    due_webhook_deliveries,
    endpoint_secret,
    enqueue_webhook_event,
    record_webhook_attempt,
)
from monitoring.tasks import deliver_webhook, send_due_webhooks_task
from monitoring.webhook_http import Answer
from monitoring.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from monitoring.webhook_policy import LEASE, RETRY_FOR
from monitoring.webhook_receivers import WEBHOOKS
from monitoring.webhook_signing import (
    EVENT_ID_HEADER,
    REPLAY_WINDOW_SECONDS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from tests.conftest import race, require_service
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    OrganisationFactory,
    ProviderFactory,
)

from .factories import Receiver, endpoint_for


@pytest.fixture
def outbox_mode():
    """As in services mode: deliveries wait for the beat's job, not sent on commit."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def _event(candidate, event_type=WebhookEvent.RESULT_RELEASED, **objects):
    return enqueue_webhook_event(
        event_type, actor=WEBHOOKS, candidate_id=candidate.pk, objects=objects or {"result_id": 7}
    )


def _one(candidate, receiver):
    endpoint, secret = endpoint_for(candidate.municipality, receiver.url)
    (delivery,) = _event(candidate)
    return endpoint, secret, delivery


def _reload(obj):
    obj.refresh_from_db()
    return obj


def test_delivery_is_signed_over_timestamp_and_body_and_carries_ids_only(
    db, clock, receiver, outbox_mode
):
    candidate = CandidateFactory()
    _endpoint, secret, delivery = _one(candidate, receiver)

    assert deliver_webhook(delivery.pk) == Answer(200)

    (request,) = receiver.requests
    assert receiver.verify(request, secret, now=clock())
    assert request.headers[TIMESTAMP_HEADER] == str(int(clock()))
    assert request.headers[SIGNATURE_HEADER].startswith(f"t={int(clock())},v1=")
    assert request.headers[EVENT_ID_HEADER] == str(delivery.event_id)
    assert request.headers["Content-Type"] == "application/json"
    body = request.json
    assert set(body) == {"id", "type", "occurred_at", "data"}
    assert body["type"] == "result.released"
    assert body["data"] == {"candidate_id": candidate.pk, "result_id": 7}
    for marker in (candidate.given_names, candidate.family_name, candidate.bsn):
        assert marker not in request.body.decode()
    delivery = _reload(delivery)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempts, delivery.last_status_code, delivery.lease_until) == (1, 200, None)
    actions = set(
        AuditEvent.objects.filter(object_id=str(delivery.pk)).values_list("action", flat=True)
    )
    assert {
        "monitoring.webhook_delivery.claimed",
        "monitoring.webhook_delivery.delivered",
    } <= actions


def test_signature_fails_with_another_secret_a_changed_body_or_outside_the_replay_window(
    db, clock, receiver, outbox_mode
):
    candidate = CandidateFactory()
    _endpoint, secret, delivery = _one(candidate, receiver)
    deliver_webhook(delivery.pk)
    (request,) = receiver.requests
    header = request.headers[SIGNATURE_HEADER]
    sent_at = int(request.headers[TIMESTAMP_HEADER])

    assert verify_signature(secret, header=header, body=request.body, now=sent_at + 299)
    assert verify_signature(secret, header=header, body=request.body, now=sent_at - 299)
    assert not verify_signature(
        secret, header=header, body=request.body, now=sent_at + REPLAY_WINDOW_SECONDS + 1
    )
    assert not verify_signature(secret + "x", header=header, body=request.body, now=sent_at)
    assert not verify_signature(secret, header=header, body=request.body + b" ", now=sent_at)
    forged = header.replace(f"t={sent_at}", f"t={sent_at + 600}")
    assert not verify_signature(secret, header=forged, body=request.body, now=sent_at + 600)
    assert not verify_signature(secret, header="garbage", body=request.body, now=sent_at)


def test_each_endpoint_has_its_own_secret_and_it_is_not_stored(db, clock, receiver):
    candidate = CandidateFactory()
    first, secret = endpoint_for(candidate.municipality, receiver.url)
    second, other = endpoint_for(candidate.municipality, receiver.url)

    assert secret != other
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert endpoint_secret(_reload(first)) == secret
    row = WebhookEndpoint.objects.filter(pk=first.pk).values().get()
    assert secret not in json.dumps(row, default=str)
    assert secret not in json.dumps(list(AuditEvent.objects.values("data")), default=str)


def test_receiver_down_schedules_a_retry_with_backoff_then_it_comes_back_and_gets_it(
    db, clock, receiver, outbox_mode
):
    candidate = CandidateFactory()
    endpoint, secret, delivery = _one(candidate, receiver)
    receiver.stop()  # connection refused

    assert deliver_webhook(delivery.pk) == Answer(None, "connection refused")
    delivery = _reload(delivery)
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error == "connection refused"
    wait = delivery.next_attempt_at.timestamp() - clock()
    assert 15 <= wait <= 30  # 30 s with equal jitter
    assert _reload(endpoint).failing_since is not None
    assert due_webhook_deliveries(limit=10) == []  # not before its time
    assert deliver_webhook(delivery.pk) is None

    clock.advance(wait)
    assert deliver_webhook(delivery.pk) == Answer(None, "connection refused")
    second_wait = _reload(delivery).next_attempt_at.timestamp() - clock()
    assert 30 <= second_wait <= 60  # doubled

    back = Receiver(port=receiver.port).start()
    try:
        clock.advance(second_wait)
        app.conf.task_always_eager = True  # the worker runs the queued task here
        assert send_due_webhooks_task() == 1
    finally:
        back.stop()
    (request,) = back.requests
    assert back.verify(request, secret, now=clock())
    delivery = _reload(delivery)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 3
    assert _reload(endpoint).failing_since is None


def test_server_errors_are_retried_until_one_succeeds(db, clock, receiver, outbox_mode):
    candidate = CandidateFactory()
    _endpoint, _secret, delivery = _one(candidate, receiver)
    receiver.statuses = [500, 503, 302]
    answers = []
    for _ in range(4):
        answers.append(deliver_webhook(delivery.pk))
        clock.advance(3600)

    assert answers == [Answer(500), Answer(503), Answer(302), Answer(200)]
    assert len(receiver.requests) == 4
    assert len({r.headers[EVENT_ID_HEADER] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1  # the same body, signed anew
    delivery = _reload(delivery)
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 4)


def test_gone_disables_the_endpoint_at_once_with_an_audit_event(db, clock, receiver, outbox_mode):
    candidate = CandidateFactory()
    endpoint, _secret, delivery = _one(candidate, receiver)
    receiver.statuses = [410]

    assert deliver_webhook(delivery.pk) == Answer(410)

    endpoint = _reload(endpoint)
    assert endpoint.status == WebhookEndpoint.Status.DISABLED
    assert endpoint.disabled_reason == WebhookEndpoint.DisabledReason.GONE
    assert _reload(delivery).status == WebhookDelivery.Status.FAILED
    assert AuditEvent.objects.filter(
        action="monitoring.webhook_endpoint.disabled", object_id=str(endpoint.pk)
    ).exists()
    assert _event(candidate) == []  # nothing more is queued for it


def test_a_day_of_failures_gives_up_and_disables_the_endpoint(db, clock, receiver, outbox_mode):
    candidate = CandidateFactory()
    endpoint, _secret, delivery = _one(candidate, receiver)
    receiver.statuses = [500] * 1000
    start = clock()
    while _reload(endpoint).is_active:
        assert clock() - start <= RETRY_FOR.total_seconds() + 3600
        due = due_webhook_deliveries(limit=10)
        assert due == [delivery.pk]
        deliver_webhook(delivery.pk)
        clock.now = _reload(delivery).next_attempt_at.timestamp()

    endpoint = _reload(endpoint)
    assert endpoint.disabled_reason == WebhookEndpoint.DisabledReason.FAILING
    delivery = _reload(delivery)
    assert delivery.status == WebhookDelivery.Status.FAILED
    # Backoff capped at an hour with equal jitter (each wait half to all of its step):
    # about 30 attempts at the full waits, at most about 56 at the shortest.
    assert 20 <= delivery.attempts <= 60
    gaps = [
        int(b.headers[TIMESTAMP_HEADER]) - int(a.headers[TIMESTAMP_HEADER])
        for a, b in zip(receiver.requests, receiver.requests[1:], strict=False)
    ]
    assert gaps[0] < gaps[4]
    assert max(gaps) <= 3600
    assert due_webhook_deliveries(limit=10) == []


def test_running_the_job_twice_sends_each_delivery_once(db, clock, receiver):
    """Eager (the worker runs here): the second run finds nothing due."""
    candidate = CandidateFactory()
    endpoint_for(candidate.municipality, receiver.url)
    deliveries = [_event(candidate)[0] for _ in range(3)]  # on_commit does not run here

    assert send_due_webhooks_task() == 3
    assert send_due_webhooks_task() == 0

    assert len(receiver.requests) == 3
    assert {r.json["id"] for r in receiver.requests} == {str(d.event_id) for d in deliveries}


def test_events_are_sent_right_after_commit_where_tasks_run_in_process(
    db, clock, receiver, django_capture_on_commit_callbacks
):
    candidate = CandidateFactory()
    endpoint_for(candidate.municipality, receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        _event(candidate)

    assert len(receiver.requests) == 1


def test_a_claim_holds_its_lease_and_a_stale_worker_cannot_record(db, clock, receiver, outbox_mode):
    candidate = CandidateFactory()
    _endpoint, _secret, delivery = _one(candidate, receiver)

    first = claim_webhook_delivery(delivery.pk, actor=WEBHOOKS)
    assert first is not None
    assert claim_webhook_delivery(delivery.pk, actor=WEBHOOKS) is None  # leased
    assert due_webhook_deliveries(limit=10) == []

    clock.advance(LEASE.total_seconds() + 1)  # the first worker died after sending
    second = claim_webhook_delivery(delivery.pk, actor=WEBHOOKS)
    assert second is not None
    assert second.lease_token != first.lease_token

    stale = record_webhook_attempt(
        delivery.pk, actor=WEBHOOKS, lease_token=first.lease_token, answer=Answer(500)
    )
    assert stale is None
    done = record_webhook_attempt(
        delivery.pk, actor=WEBHOOKS, lease_token=second.lease_token, answer=Answer(204)
    )
    assert done is not None
    assert done.status == WebhookDelivery.Status.DELIVERED
    assert done.attempts == 2


def test_only_the_candidates_municipality_and_the_agency_get_the_event(
    db, clock, receiver, outbox_mode
):
    candidate = CandidateFactory()
    other = OrganisationFactory(name="Gemeente Elders")
    agency = AgencyFactory()
    provider = ProviderFactory()
    provider.contracted_by.add(candidate.municipality)
    own, _ = endpoint_for(candidate.municipality, receiver.url)
    national, _ = endpoint_for(agency, receiver.url)
    elsewhere, _ = endpoint_for(other, receiver.url)
    contracted, _ = endpoint_for(provider, receiver.url)
    unsubscribed, _ = endpoint_for(
        candidate.municipality, receiver.url, events=[WebhookEvent.BOOKING_MADE]
    )

    deliveries = _event(candidate)
    app.conf.task_always_eager = True
    send_due_webhooks_task()

    assert {d.endpoint_id for d in deliveries} == {own.pk, national.pk}
    assert not WebhookDelivery.objects.filter(
        endpoint__in=[elsewhere, contracted, unsubscribed]
    ).exists()
    assert len(receiver.requests) == 2


def test_an_address_refused_at_send_time_is_a_failure_not_a_request(
    db, clock, receiver, outbox_mode, settings
):
    candidate = CandidateFactory()
    _endpoint, _secret, delivery = _one(candidate, receiver)
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # as in production: 127.0.0.1 is refused

    assert deliver_webhook(delivery.pk) == Answer(None, "address refused")
    assert receiver.requests == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_send_one_delivery_once(clock, receiver, outbox_mode):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    candidate = CandidateFactory()
    _endpoint, _secret, delivery = _one(candidate, receiver)

    results = race([lambda: deliver_webhook(delivery.pk), lambda: deliver_webhook(delivery.pk)])

    assert sorted(results, key=lambda r: r is None) == [Answer(200), None]
    assert len(receiver.requests) == 1
    assert _reload(delivery).attempts == 1


def test_retries_last_no_longer_than_a_day_after_the_event(db, clock, receiver, outbox_mode):
    candidate = CandidateFactory()
    _endpoint, _secret, delivery = _one(candidate, receiver)
    receiver.statuses = [500, 500]
    deliver_webhook(delivery.pk)
    clock.advance(RETRY_FOR.total_seconds())
    # The endpoint succeeds for others meanwhile: only this delivery is given up.
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(failing_since=None)

    deliver_webhook(delivery.pk)

    delivery = _reload(delivery)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.give_up_at <= delivery.last_attempt_at
    assert delivery.created_at + datetime.timedelta(days=1) == delivery.give_up_at


def test_the_command_retries_what_is_due_in_embedded_mode(db, clock, receiver, outbox_mode):
    candidate = CandidateFactory()
    _one(candidate, receiver)
    receiver.statuses = [500]
    out = io.StringIO()

    call_command("send_due_webhooks", stdout=out)
    call_command("send_due_webhooks", stdout=out)  # not due yet: nothing
    clock.advance(3600)
    call_command("send_due_webhooks", stdout=out)

    assert out.getvalue().splitlines() == [
        "Webhooks delivered: 0, failed (retried later): 1",
        "Webhooks delivered: 0, failed (retried later): 0",
        "Webhooks delivered: 1, failed (retried later): 0",
    ]
    assert len(receiver.requests) == 2


def test_a_failure_after_a_quiet_day_starts_a_new_run_and_does_not_disable(
    db, clock, receiver, outbox_mode
):
    candidate = CandidateFactory()
    endpoint, _secret, first = _one(candidate, receiver)
    receiver.statuses = [500, 500]
    deliver_webhook(first.pk)
    WebhookDelivery.objects.filter(pk=first.pk).update(status=WebhookDelivery.Status.FAILED)
    clock.advance(3 * 86400)  # nothing to send for three days
    (second,) = _event(candidate)

    deliver_webhook(second.pk)

    endpoint = _reload(endpoint)
    assert endpoint.is_active
    assert endpoint.failing_since.timestamp() == clock()
