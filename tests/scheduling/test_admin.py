"""The scheduling admin: policies edited with an audit event; everything else read-only."""

import pytest
from django.urls import reverse

from examens.models import AuditEvent
from scheduling.models import ComponentPolicy
from tests.conftest import login_verified
from tests.examens.factories import UserFactory, component

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_editing_a_component_policy_is_audited(admin_client):
    policy, _ = ComponentPolicy.objects.get_or_create(component=component("LEZ"))
    ComponentPolicy.objects.filter(pk=policy.pk).update(
        booking_closes_hours=48, free_cancellation_days=7, offer_hours=48, reminder_days=3
    )

    response = admin_client.post(
        reverse("admin:scheduling_componentpolicy_change", args=[policy.pk]),
        {
            "component": policy.component_id,
            "booking_closes_hours": 72,
            "free_cancellation_days": 7,
            "offer_hours": 48,
            "reminder_days": 3,
        },
    )

    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.booking_closes_hours == 72
    event = AuditEvent.objects.get(action="scheduling.componentpolicy.changed")
    assert event.data["fields"] == ["booking_closes_hours"]


@pytest.mark.parametrize(
    "model", ["examsession", "booking", "waitinglistentry", "irregularityreport", "calendarfeed"]
)
def test_scheduling_rows_cannot_be_added_in_the_admin(admin_client, model):
    assert admin_client.get(reverse(f"admin:scheduling_{model}_add")).status_code == 403
    assert admin_client.get(reverse(f"admin:scheduling_{model}_changelist")).status_code == 200
