import pytest
from django.contrib import admin
from django.urls import reverse

from examens.models import AuditEvent, ExamVersion
from tests.conftest import login_verified
from tests.examens.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    login_verified(client, user)
    return client


def test_every_admin_changelist_opens_for_a_verified_admin(admin_client):
    opened = 0
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
        opened += 1
    assert opened >= 10


def test_editing_an_exam_version_in_the_admin_is_audited(admin_client):
    version = ExamVersion.objects.get(code="KNM-2026A")
    url = reverse("admin:examens_examversion_change", args=[version.pk])
    response = admin_client.post(
        url,
        {
            "component": version.component_id,
            "level": "",
            "code": version.code,
            "max_raw_score": 45,
            "cutoff_raw": 27,
            "conversion_table": "null",
            "pass_scale_score": "",
            "status": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    version.refresh_from_db()
    assert version.cutoff_raw == 27
    event = AuditEvent.objects.get(action="examens.examversion.changed")
    assert event.data["fields"] == ["cutoff_raw"]
    assert event.object_id == str(version.pk)


def test_candidates_cannot_be_added_or_changed_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:examens_candidate_add")).status_code == 403
