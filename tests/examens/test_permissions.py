"""The role x object access matrix: who sees and changes what, through the gates and the pages."""

import pytest
from django.http import Http404

from examens import permissions
from examens.models import Organisation, Role
from tests.conftest import login_verified
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    CentreFactory,
    MembershipFactory,
    OrganisationFactory,
    ProviderFactory,
    RoomFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    agency = AgencyFactory()
    utrecht = OrganisationFactory(name="Utrecht", cbs_code="0344")
    zeist = OrganisationFactory(name="Zeist", cbs_code="0355")
    provider = ProviderFactory(name="Taalcentrum")
    provider.contracted_by.add(zeist)
    return {
        "agency": agency,
        "utrecht": utrecht,
        "zeist": zeist,
        "provider": provider,
        "utrecht_resident": CandidateFactory(municipality=utrecht),
        "zeist_resident": CandidateFactory(municipality=zeist),
        "utrecht_centre": CentreFactory(organisation=utrecht),
        "agency_centre": CentreFactory(organisation=agency, kind="central"),
    }


ROLES = [Role.PLANNER, Role.EXAMINER, Role.OFFICER, Role.ADMIN]

# (member of, role) -> which residents they see
CANDIDATE_MATRIX = (
    [("agency", role, {"utrecht_resident": True, "zeist_resident": True}) for role in ROLES]
    + [("utrecht", role, {"utrecht_resident": True, "zeist_resident": False}) for role in ROLES]
    + [("provider", role, {"utrecht_resident": False, "zeist_resident": True}) for role in ROLES]
)


@pytest.mark.parametrize(("org", "role", "expected"), CANDIDATE_MATRIX)
def test_candidate_visibility_matrix(world, org, role, expected):
    user = MembershipFactory(organisation=world[org], role=role).user
    for name, visible in expected.items():
        candidate = world[name]
        if visible:
            assert permissions.candidate_for_viewer(user, candidate.pk) == candidate
        else:
            with pytest.raises(Http404):
                permissions.candidate_for_viewer(user, candidate.pk)


@pytest.mark.parametrize(("org", "role", "expected"), CANDIDATE_MATRIX)
def test_candidate_detail_page_follows_the_matrix(client, world, org, role, expected):
    user = MembershipFactory(organisation=world[org], role=role).user
    login_verified(client, user)
    for name, visible in expected.items():
        response = client.get(f"/candidates/{world[name].pk}/")
        assert response.status_code == (200 if visible else 404), (org, role, name)


@pytest.mark.parametrize("role", ROLES)
def test_candidate_editor_needs_officer_or_admin_role(world, role):
    user = MembershipFactory(organisation=world["utrecht"], role=role).user
    resident = world["utrecht_resident"]
    if role in (Role.OFFICER, Role.ADMIN):
        assert permissions.candidate_for_editor(user, resident.pk) == resident
    else:
        with pytest.raises(Http404):
            permissions.candidate_for_editor(user, resident.pk)


def test_user_without_membership_sees_nothing(world, staff_user):
    assert not permissions.visible_candidates(staff_user).exists()
    assert not permissions.visible_centres(staff_user).exists()
    with pytest.raises(Http404):
        permissions.candidate_for_viewer(staff_user, world["utrecht_resident"].pk)


def test_absent_and_foreign_candidate_give_the_same_404(world):
    user = MembershipFactory(organisation=world["utrecht"], role=Role.OFFICER).user
    for candidate_id in (world["zeist_resident"].pk, 999_999, "abc"):
        with pytest.raises(Http404):
            permissions.candidate_for_viewer(user, candidate_id)


@pytest.mark.parametrize(
    ("org", "role", "sees_utrecht_centre", "changes_utrecht_centre", "changes_agency_centre"),
    [
        ("agency", Role.PLANNER, True, False, True),
        ("agency", Role.EXAMINER, True, False, False),
        ("utrecht", Role.PLANNER, True, True, False),
        ("utrecht", Role.ADMIN, True, True, False),
        ("utrecht", Role.OFFICER, True, False, False),
        ("zeist", Role.PLANNER, False, False, False),
        ("provider", Role.ADMIN, False, False, False),
    ],
)
def test_centre_matrix(
    world, org, role, sees_utrecht_centre, changes_utrecht_centre, changes_agency_centre
):
    user = MembershipFactory(organisation=world[org], role=role).user
    centre, agency_centre = world["utrecht_centre"], world["agency_centre"]
    room = RoomFactory(centre=centre)

    def allowed(gate, object_id):
        try:
            gate(user, object_id)
        except Http404:
            return False
        return True

    assert allowed(permissions.centre_for_viewer, centre.pk) is sees_utrecht_centre
    assert allowed(permissions.centre_for_editor, centre.pk) is changes_utrecht_centre
    assert allowed(permissions.room_for_editor, room.pk) is changes_utrecht_centre
    assert allowed(permissions.centre_for_editor, agency_centre.pk) is changes_agency_centre


@pytest.mark.parametrize(
    ("org", "role", "resident", "kinds"),
    [
        (
            "agency",
            Role.OFFICER,
            "zeist_resident",
            {"exemption", "term_extension", "accommodation", "step_down"},
        ),
        ("utrecht", Role.OFFICER, "utrecht_resident", {"step_down", "accommodation"}),
        ("utrecht", Role.OFFICER, "zeist_resident", set()),
        ("utrecht", Role.PLANNER, "utrecht_resident", set()),
        ("provider", Role.ADMIN, "zeist_resident", set()),
    ],
)
def test_decision_rights_matrix(world, org, role, resident, kinds):
    user = MembershipFactory(organisation=world[org], role=role).user
    assert permissions.decision_kinds_for(user, world[resident]) == kinds


def test_organisation_admin_gate_only_for_own_organisation(world):
    user = MembershipFactory(organisation=world["utrecht"], role=Role.ADMIN).user
    assert permissions.organisation_for_admin(user, world["utrecht"].pk) == world["utrecht"]
    with pytest.raises(Http404):
        permissions.organisation_for_admin(user, world["zeist"].pk)


def test_municipality_kind_choices_are_what_the_gates_expect():
    assert set(permissions.DECISION_KINDS_BY_ORGANISATION_KIND) == set(Organisation.Kind)
