import pytest
from django.contrib import admin
from django.urls import reverse

from examens.models import AuditEvent, ExamVersion, Route
from tests.conftest import login_verified
from tests.examens.factories import UserFactory
from tests.test_admin_writes import page_data

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


def test_an_exam_versions_status_and_cutoff_cannot_be_edited_in_the_admin(admin_client):
    version = ExamVersion.objects.get(code="KNM-2026A")
    url = reverse("admin:examens_examversion_change", args=[version.pk])
    response = admin_client.post(
        url,
        {
            "component": version.component_id,
            "level": "",
            "code": "KNM-2026A-X",
            "max_raw_score": 45,
            "cutoff_raw": 1,
            "conversion_table": "null",
            "pass_scale_score": "",
            "status": "withdrawn",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    version.refresh_from_db()
    assert (version.code, version.status) == ("KNM-2026A-X", ExamVersion.Status.ACTIVE)
    assert version.cutoff_raw != 1
    event = AuditEvent.objects.get(action="examens.examversion.changed")
    assert event.data["fields"] == ["code"]
    assert event.data["previous"] == {"code": "KNM-2026A"}
    assert event.data["values"]["code"] == "KNM-2026A-X"  # not masked as a secret
    assert event.object_id == str(version.pk)


def test_route_requirements_edited_inline_are_audited_with_their_fields(admin_client):
    route = Route.objects.get(code="B1", regime__code="WI2021")
    requirement = route.requirements.order_by("pk").first()
    page = admin_client.get(reverse("admin:examens_route_change", args=[route.pk]))
    data = page_data(page)
    position = next(
        i
        for i, form in enumerate(page.context["inline_admin_formsets"][0].formset.forms)
        if form.instance.pk == requirement.pk
    )
    data[f"requirements-{position}-optional"] = "" if requirement.optional else "on"

    response = admin_client.post(reverse("admin:examens_route_change", args=[route.pk]), data)

    assert response.status_code == 302
    row = AuditEvent.objects.get(action="examens.routerequirement.changed")
    assert row.object_id == str(requirement.pk)
    assert row.data["fields"] == ["optional"]
    parent = AuditEvent.objects.get(action="examens.route.changed")
    assert parent.data["fields"] == ["requirements"]
    assert parent.data["inlines"] == [
        {
            "model": "examens.routerequirement",
            "id": requirement.pk,
            "change": "changed",
            "fields": ["optional"],
        }
    ]


def test_a_save_that_changes_nothing_writes_no_event(admin_client):
    route = Route.objects.get(code="B1", regime__code="WI2021")
    url = reverse("admin:examens_route_change", args=[route.pk])
    assert admin_client.post(url, page_data(admin_client.get(url))).status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="examens.route").exists()


def test_candidates_cannot_be_added_or_changed_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:examens_candidate_add")).status_code == 403
