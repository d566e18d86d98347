"""The admin's API token pages: create behind a fresh code with the secret shown once,
list, revoke after confirming; only the organisation's own admins."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from examens.exceptions import RegistryError
from examens.models import ApiToken, AuditEvent, Role
from examens.services import create_api_token
from tests.conftest import login_verified, mark_fresh
from tests.examens.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

CATALOGUE = "/api/v1/catalogue/components/"


@pytest.fixture
def admin_client(client):
    organisation = OrganisationFactory(name="Gemeente Deltadorp")
    admin = MembershipFactory(organisation=organisation, role=Role.ADMIN).user
    login_verified(client, admin)
    client.organisation = organisation
    client.admin = admin
    return client


def _api(secret: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def _create(client, **data):
    form = {"name": "Zaaksysteem", "scopes": ["catalogue:read"], **data}
    form.setdefault("organisation", client.organisation.pk)
    return client.post(reverse("examens:token-create"), form)


def test_create_shows_the_secret_once_it_works_and_revoking_stops_it(admin_client, caplog):
    mark_fresh(admin_client)
    caplog.set_level("DEBUG")

    answer = _create(admin_client)

    assert answer.status_code == 201
    assert "no-store" in answer["Cache-Control"]
    secret = answer.context["secret"]
    assert secret in answer.content.decode()
    token = ApiToken.objects.get(organisation=admin_client.organisation)
    assert token.scopes == ["catalogue:read"]
    assert token.created_by == admin_client.admin
    created = AuditEvent.objects.get(action="examens.api_token.created")
    assert secret not in str(created.data)

    assert _api(secret).get(CATALOGUE).status_code == 200

    listing = admin_client.get(reverse("examens:token-list"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Zaaksysteem" in page
    assert token.prefix in page
    assert secret not in page
    revoke_url = reverse("examens:token-revoke", args=[token.pk])
    confirm = admin_client.get(revoke_url)
    assert confirm.status_code == 200
    assert 'class="button danger"' in confirm.content.decode()
    assert secret not in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # asking is not revoking

    done = admin_client.post(revoke_url)

    assert done.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="examens.api_token.revoked").count() == 1
    assert _api(secret).get(CATALOGUE).status_code == 401
    after = admin_client.get(reverse("examens:token-list")).content.decode()
    assert secret not in after
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_the_list_shows_when_a_token_was_last_used(admin_client):
    token, secret = create_api_token(
        admin_client.organisation,
        actor=admin_client.admin,
        name="Resultaten",
        scopes=["catalogue:read"],
    )
    assert "Nog niet gebruikt" in admin_client.get(reverse("examens:token-list")).content.decode()

    _api(secret).get(CATALOGUE)

    token.refresh_from_db()
    assert token.last_used_at is not None
    page = admin_client.get(reverse("examens:token-list")).content.decode()
    assert "Nog niet gebruikt" not in page


def test_creating_needs_a_fresh_code(admin_client):
    url = reverse("examens:token-create")

    stale_get = admin_client.get(url)
    stale_post = _create(admin_client)

    assert stale_get.status_code == 302
    assert stale_get.url.startswith(reverse("examens:reverify"))
    assert stale_post.status_code == 302
    assert not ApiToken.objects.exists()
    mark_fresh(admin_client, age_seconds=10**6)
    assert admin_client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["everything"]}, "scopes"),
        ({"organisation": "not a number"}, "organisation"),
    ],
)
def test_bad_input_is_refused_on_its_field(admin_client, data, field):
    mark_fresh(admin_client)

    answer = _create(admin_client, **data)

    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == [field]
    assert 'role="alert"' in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_a_name_of_spaces_is_refused_by_the_service_on_the_name():
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, role=Role.ADMIN).user

    with pytest.raises(RegistryError) as refused:
        create_api_token(organisation, actor=admin, name="   ", scopes=["catalogue:read"])
    assert refused.value.field == "name"
    with pytest.raises(RegistryError) as refused:
        create_api_token(organisation, actor=admin, name="n", scopes=["admin:all"])
    assert refused.value.field == "scopes"
    assert not ApiToken.objects.exists()


def test_an_admin_cannot_create_for_another_organisation(admin_client):
    mark_fresh(admin_client)
    other = OrganisationFactory()

    answer = _create(admin_client, organisation=other.pk)

    assert answer.status_code == 400
    assert "organisation" in answer.context["form"].errors
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", [Role.PLANNER, Role.OFFICER, Role.EXAMINER])
def test_someone_who_is_not_an_admin_is_refused(client, role):
    organisation = OrganisationFactory()
    token, _secret = create_api_token(
        organisation,
        actor=MembershipFactory(organisation=organisation, role=Role.ADMIN).user,
        name="Zaaksysteem",
        scopes=["catalogue:read"],
    )
    member = MembershipFactory(organisation=organisation, role=role).user
    login_verified(client, member)
    mark_fresh(client)
    revoke_url = reverse("examens:token-revoke", args=[token.pk])

    assert client.get(reverse("examens:token-list")).status_code == 403
    assert client.get(reverse("examens:token-create")).status_code == 403
    assert _create_as(client, organisation).status_code == 403
    assert client.get(revoke_url).status_code == 404
    assert client.post(revoke_url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1


def _create_as(client, organisation):
    return client.post(
        reverse("examens:token-create"),
        {"organisation": organisation.pk, "name": "n", "scopes": ["catalogue:read"]},
    )


def test_another_organisations_token_is_not_found(admin_client):
    other = OrganisationFactory()
    token, _secret = create_api_token(
        other,
        actor=MembershipFactory(organisation=other, role=Role.ADMIN).user,
        name="Elders",
        scopes=["catalogue:read"],
    )
    url = reverse("examens:token-revoke", args=[token.pk])

    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url).status_code == 404
    assert "Elders" not in admin_client.get(reverse("examens:token-list")).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_answers_calmly_and_writes_one_event(admin_client):
    token, _secret = create_api_token(
        admin_client.organisation,
        actor=admin_client.admin,
        name="Zaaksysteem",
        scopes=["catalogue:read"],
    )
    url = reverse("examens:token-revoke", args=[token.pk])

    admin_client.post(url)
    second = admin_client.post(url)

    assert second.status_code == 302
    assert AuditEvent.objects.filter(action="examens.api_token.revoked").count() == 1
    assert "is al ingetrokken" in admin_client.get(url).content.decode()


def test_admins_find_the_tokens_in_the_navigation(admin_client):
    from django.test import Client

    planner = Client()
    login_verified(planner, MembershipFactory(role=Role.PLANNER).user)

    home = admin_client.get(reverse("examens:home"))

    assert reverse("examens:token-list") in home.content.decode()
    planner_home = planner.get(reverse("examens:home")).content.decode()
    assert reverse("examens:token-list") not in planner_home
