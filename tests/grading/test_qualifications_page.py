"""The organisation admin's qualifications page: list, grant and withdraw behind a fresh factor."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from examens.models import AuditEvent, Membership, Role
from grading.models import ExaminerQualification
from tests.conftest import login_verified, mark_fresh
from tests.examens.factories import AgencyFactory, OrganisationFactory, UserFactory
from tests.grading.factories import examiner

pytestmark = pytest.mark.django_db


def member(organisation, role):
    user = UserFactory()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.fixture
def admin_client(client, organisation):
    login_verified(client, member(organisation, Role.ADMIN))
    mark_fresh(client)
    return client


def grant_data(user, **overrides):
    today = timezone.localdate()
    data = {
        "user": user.pk,
        "component": "SPR",
        "level": "B1",
        "valid_from": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=365)).isoformat(),
    }
    return data | overrides


def test_admin_sees_the_qualifications_of_the_organisation(admin_client, organisation):
    user = examiner(organisation, components=("SPR",))
    other = examiner(OrganisationFactory(), components=("LEZ",))

    response = admin_client.get(reverse("grading:qualifications", args=[organisation.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert user.username in body
    assert other.username not in body
    assert '<th scope="col">' in body


def test_worklist_links_an_admin_to_the_qualifications_page(admin_client, organisation):
    response = admin_client.get(reverse("grading:worklist"))

    assert reverse("grading:qualifications", args=[organisation.pk]) in response.content.decode()


def test_worklist_shows_no_qualifications_link_to_a_planner(client, organisation):
    login_verified(client, member(organisation, Role.PLANNER))

    response = client.get(reverse("grading:worklist"))

    assert reverse("grading:qualifications", args=[organisation.pk]) not in (
        response.content.decode()
    )


def test_admin_grants_a_qualification_to_an_examiner_member(admin_client, organisation):
    user = member(organisation, Role.EXAMINER)
    url = reverse("grading:qualification-grant", args=[organisation.pk])

    page = admin_client.get(url)
    response = admin_client.post(url, grant_data(user))

    assert page.status_code == 200
    assert response.status_code == 302
    qualification = ExaminerQualification.objects.get(user=user)
    assert qualification.organisation == organisation
    assert (qualification.component.code, qualification.level) == ("SPR", "B1")
    event = AuditEvent.objects.get(action="grading.qualification.granted")
    assert event.object_id == str(qualification.pk)


def test_grant_refuses_someone_who_is_not_an_examiner_of_the_organisation(
    admin_client, organisation
):
    planner = member(organisation, Role.PLANNER)
    outsider = member(OrganisationFactory(), Role.EXAMINER)
    url = reverse("grading:qualification-grant", args=[organisation.pk])

    for user in (planner, outsider):
        response = admin_client.post(url, grant_data(user))

        assert response.status_code == 400
    assert not ExaminerQualification.objects.exists()


def test_grant_links_the_service_error_to_its_field(admin_client, organisation):
    user = member(organisation, Role.EXAMINER)
    today = timezone.localdate()

    response = admin_client.post(
        reverse("grading:qualification-grant", args=[organisation.pk]),
        grant_data(user, valid_until=(today - datetime.timedelta(days=1)).isoformat()),
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="id_valid_until_helptext id_valid_until_error"' in body
    assert 'id="id_valid_until_error"' in body
    assert not ExaminerQualification.objects.exists()


def test_admin_withdraws_a_qualification_with_a_reason(admin_client, organisation):
    user = examiner(organisation, components=("SPR",))
    qualification = ExaminerQualification.objects.get(user=user)
    url = reverse("grading:qualification-withdraw", args=[qualification.pk])

    page = admin_client.get(url)
    response = admin_client.post(url, {"reason": "left the organisation"})

    assert page.status_code == 200
    assert response.status_code == 302
    qualification.refresh_from_db()
    assert qualification.valid_until < timezone.localdate()
    event = AuditEvent.objects.get(action="grading.qualification.withdrawn")
    assert event.data["reason"] == "left the organisation"


def test_withdraw_needs_a_reason(admin_client, organisation):
    qualification = ExaminerQualification.objects.get(user=examiner(organisation))

    response = admin_client.post(
        reverse("grading:qualification-withdraw", args=[qualification.pk]), {"reason": ""}
    )

    assert response.status_code == 400
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="grading.qualification.withdrawn").exists()


def test_agency_admin_manages_the_agency_qualifications_only(client):
    agency = AgencyFactory()
    login_verified(client, member(agency, Role.ADMIN))
    mark_fresh(client)
    own = ExaminerQualification.objects.get(user=examiner(agency))
    elsewhere = ExaminerQualification.objects.get(user=examiner(OrganisationFactory()))

    assert client.get(reverse("grading:qualifications", args=[agency.pk])).status_code == 200
    assert client.get(reverse("grading:qualification-withdraw", args=[own.pk])).status_code == 200
    assert (
        client.get(reverse("grading:qualification-withdraw", args=[elsewhere.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.PLANNER, Role.EXAMINER, Role.OFFICER])
def test_qualification_pages_are_404_for_members_who_are_not_admin(client, organisation, role):
    login_verified(client, member(organisation, role))
    mark_fresh(client)
    qualification = ExaminerQualification.objects.get(user=examiner(organisation))
    target = member(organisation, Role.EXAMINER)

    responses = [
        client.get(reverse("grading:qualifications", args=[organisation.pk])),
        client.get(reverse("grading:qualification-grant", args=[organisation.pk])),
        client.post(
            reverse("grading:qualification-grant", args=[organisation.pk]), grant_data(target)
        ),
        client.post(
            reverse("grading:qualification-withdraw", args=[qualification.pk]), {"reason": "x"}
        ),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert not ExaminerQualification.objects.filter(user=target).exists()
    qualification.refresh_from_db()
    assert qualification.valid_until >= timezone.localdate()


def test_qualification_pages_are_404_for_another_organisations_admin(client, organisation):
    login_verified(client, member(OrganisationFactory(), Role.ADMIN))
    mark_fresh(client)
    qualification = ExaminerQualification.objects.get(user=examiner(organisation))

    assert client.get(reverse("grading:qualifications", args=[organisation.pk])).status_code == 404
    assert (
        client.get(reverse("grading:qualification-grant", args=[organisation.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("grading:qualification-withdraw", args=[qualification.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(reverse("grading:qualifications", args=[999999])).status_code == 404
    qualification.refresh_from_db()
    assert qualification.valid_until >= timezone.localdate()


def test_grant_and_withdraw_with_a_stale_factor_ask_for_a_code(client, organisation, settings):
    login_verified(client, member(organisation, Role.ADMIN))
    mark_fresh(client, age_seconds=settings.OTP_FRESHNESS_SECONDS + 1)
    qualification = ExaminerQualification.objects.get(user=examiner(organisation))
    target = member(organisation, Role.EXAMINER)
    grant = reverse("grading:qualification-grant", args=[organisation.pk])
    withdraw = reverse("grading:qualification-withdraw", args=[qualification.pk])

    responses = [
        client.get(grant),
        client.post(grant, grant_data(target)),
        client.get(withdraw),
        client.post(withdraw, {"reason": "x"}),
    ]

    for response in responses:
        assert response.status_code == 302
        assert response.url.startswith(reverse("examens:reverify"))
    assert not ExaminerQualification.objects.filter(user=target).exists()
    assert not AuditEvent.objects.filter(action__startswith="grading.qualification.").exists()


def test_the_list_needs_no_fresh_factor_but_the_grant_form_does(client, organisation, settings):
    login_verified(client, member(organisation, Role.ADMIN))

    listing = client.get(reverse("grading:qualifications", args=[organisation.pk]))
    form = client.get(reverse("grading:qualification-grant", args=[organisation.pk]))

    assert listing.status_code == 200
    assert form.url.startswith(reverse("examens:reverify"))
    assert "next=" in form.url


def test_a_withdrawn_qualification_shows_as_withdrawn_without_a_withdraw_link(
    admin_client, organisation
):
    qualification = ExaminerQualification.objects.get(user=examiner(organisation))
    withdraw = reverse("grading:qualification-withdraw", args=[qualification.pk])
    admin_client.post(withdraw, {"reason": "moved away"})

    response = admin_client.get(reverse("grading:qualifications", args=[organisation.pk]))

    body = response.content.decode()
    assert "moved away" in body
    assert withdraw not in body
