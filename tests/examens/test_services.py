import datetime

import pytest

from examens.exceptions import DuplicateCandidate, InvalidBsn, RegistryError
from examens.models import AuditEvent, Candidate, Decision, Organisation
from examens.services import (
    add_years,
    create_api_token,
    grant_membership,
    hash_api_key,
    record_decision,
    register_candidate,
    revoke_api_token,
    update_candidate,
    withdraw_decision,
)
from tests.conftest import agency_staff
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    OrganisationFactory,
    UserFactory,
    component,
    make_bsn,
    route,
)

pytestmark = pytest.mark.django_db


def register(actor, municipality, **overrides):
    values = {
        "bsn": make_bsn(),
        "given_names": "Amira",
        "family_name": "Haddad",
        "date_of_birth": datetime.date(1990, 5, 17),
        "municipality": municipality,
        "route": route("B1"),
        "term_start": datetime.date(2025, 3, 1),
    }
    return register_candidate(actor=actor, **(values | overrides))


def test_add_years_moves_leap_day_to_28_february():
    assert add_years(datetime.date(2024, 2, 29), 3) == datetime.date(2027, 2, 28)
    assert add_years(datetime.date(2025, 3, 1), 3) == datetime.date(2028, 3, 1)


def test_register_candidate_sets_three_year_term_and_audits_masked_bsn():
    actor = agency_staff()
    candidate = register(actor, OrganisationFactory())
    assert candidate.term_end == datetime.date(2028, 3, 1)
    event = AuditEvent.objects.get(action="examens.candidate.registered")
    assert event.object_id == str(candidate.pk)
    assert event.data["bsn"] == candidate.masked_bsn
    assert candidate.bsn not in str(event.data)


def test_register_candidate_refuses_bsn_failing_eleven_check():
    with pytest.raises(InvalidBsn) as info:
        register(agency_staff(), OrganisationFactory(), bsn="123456789")
    assert info.value.field == "bsn"
    assert not Candidate.objects.exists()
    assert not AuditEvent.objects.exists()


def test_register_candidate_refuses_duplicate_bsn():
    actor, municipality = agency_staff(), OrganisationFactory()
    first = register(actor, municipality)
    with pytest.raises(DuplicateCandidate):
        register(actor, municipality, bsn=first.bsn)
    assert Candidate.objects.count() == 1


def test_register_candidate_refuses_a_non_municipality_as_residence():
    with pytest.raises(RegistryError) as info:
        register(agency_staff(), AgencyFactory())
    assert info.value.field == "municipality"


def test_update_candidate_recomputes_term_and_is_idempotent():
    actor = agency_staff()
    candidate = register(actor, OrganisationFactory())
    update_candidate(candidate, actor=actor, term_start=datetime.date(2026, 1, 1))
    candidate.refresh_from_db()
    assert candidate.term_end == datetime.date(2029, 1, 1)
    events = AuditEvent.objects.filter(action="examens.candidate.updated").count()
    update_candidate(candidate, actor=actor, term_start=datetime.date(2026, 1, 1))
    assert AuditEvent.objects.filter(action="examens.candidate.updated").count() == events == 1


def test_update_candidate_refuses_the_bsn():
    actor = agency_staff()
    candidate = register(actor, OrganisationFactory())
    with pytest.raises(RegistryError) as info:
        update_candidate(candidate, actor=actor, bsn=make_bsn())
    assert info.value.field == "bsn"


def test_term_extension_moves_term_end_and_withdrawal_moves_it_back():
    actor, agency = agency_staff(), AgencyFactory()
    candidate = CandidateFactory()
    original = candidate.term_end
    decision = record_decision(
        candidate,
        actor=actor,
        organisation=agency,
        kind="term_extension",
        reason="Not to blame",
        ground="not_to_blame",
        extension_days=120,
    )
    candidate.refresh_from_db()
    assert candidate.term_end == original + datetime.timedelta(days=120)
    withdraw_decision(decision, actor=actor, reason="Entered in error")
    candidate.refresh_from_db()
    assert candidate.term_end == original
    assert decision.__class__.objects.get(pk=decision.pk).withdrawn_at is not None
    assert AuditEvent.objects.filter(action="examens.decision.withdrawn").count() == 1


def test_withdraw_decision_twice_records_once():
    actor = agency_staff()
    decision = record_decision(
        CandidateFactory(),
        actor=actor,
        organisation=AgencyFactory(),
        kind="exemption",
        ground="medical",
        reason="Doctor's advice",
        component=component("SPR"),
    )
    withdraw_decision(decision, actor=actor, reason="x")
    withdraw_decision(decision, actor=actor, reason="x")
    assert AuditEvent.objects.filter(action="examens.decision.withdrawn").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "exemption", "ground": ""}, "ground"),
        ({"kind": "exemption", "ground": "not_to_blame"}, "ground"),
        ({"kind": "step_down"}, "component"),
        ({"kind": "step_down", "component": "KNM"}, "component"),
        ({"kind": "step_down", "component": "SPR", "level": "A1"}, "level"),
        ({"kind": "term_extension"}, "extension_days"),
        ({"kind": "term_extension", "extension_days": 0}, "extension_days"),
        ({"kind": "accommodation"}, "needs"),
        ({"kind": "accommodation", "needs": ["teleport"]}, "needs"),
        ({"kind": "accommodation", "needs": ["extended_time"]}, "extra_minutes"),
        ({"kind": "nonsense"}, "kind"),
        ({"kind": "exemption", "ground": "medical", "reason": "  "}, "reason"),
    ],
)
def test_record_decision_names_the_field_at_fault_and_writes_nothing(kwargs, field):
    candidate = CandidateFactory()
    if "component" in kwargs:
        kwargs["component"] = component(kwargs["component"])
    arguments = {"reason": "Because"} | kwargs
    with pytest.raises(RegistryError) as info:
        record_decision(candidate, actor=agency_staff(), organisation=AgencyFactory(), **arguments)
    assert info.value.field == field
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.exists()


def test_step_down_takes_the_routes_step_down_level():
    decision = record_decision(
        CandidateFactory(),
        actor=agency_staff(),
        organisation=AgencyFactory(),
        kind="step_down",
        component=component("SPR"),
        reason="600 lesson hours",
    )
    assert decision.level == "A2"
    assert AuditEvent.objects.get(action="examens.decision.step_down").data["component"] == "SPR"


def test_step_down_refused_on_the_education_route():
    candidate = CandidateFactory(route=route("EDU"))
    with pytest.raises(RegistryError):
        record_decision(
            candidate,
            actor=agency_staff(),
            organisation=AgencyFactory(),
            kind="step_down",
            component=component("LEZ"),
            reason="x",
        )


def test_accommodation_decision_keeps_needs_and_minutes():
    decision = record_decision(
        CandidateFactory(),
        actor=agency_staff(),
        organisation=AgencyFactory(),
        kind="accommodation",
        needs=["extended_time", "large_screen"],
        extra_minutes=30,
        reason="Visual impairment",
    )
    assert decision.needs == ["extended_time", "large_screen"]
    assert decision.extra_minutes == 30


def test_grant_membership_is_idempotent():
    user, org, actor = UserFactory(), OrganisationFactory(), UserFactory(is_superuser=True)
    first = grant_membership(user, actor=actor, organisation=org, role="planner")
    second = grant_membership(user, actor=actor, organisation=org, role="planner")
    assert first.pk == second.pk
    assert AuditEvent.objects.filter(action="examens.membership.granted").count() == 1


def test_api_token_secret_is_stored_only_as_hash_and_revocation_is_idempotent():
    actor, org = UserFactory(is_superuser=True), OrganisationFactory()
    token, secret = create_api_token(
        org, actor=actor, name="Zaaksysteem", scopes=["catalogue:read"]
    )
    assert token.key_hash == hash_api_key(secret)
    assert secret not in str(AuditEvent.objects.get(action="examens.api_token.created").data)
    revoke_api_token(token, actor=actor)
    revoke_api_token(token, actor=actor)
    assert AuditEvent.objects.filter(action="examens.api_token.revoked").count() == 1


def test_organisation_constraints_keep_cbs_codes_for_municipalities():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="X", kind="municipality", cbs_code="12")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Y", kind="agency", cbs_code="0344")


def test_create_api_token_command_prints_a_working_secret_once():
    import io

    from django.core.management import call_command

    from examens.models import ApiToken

    org = OrganisationFactory(name="Gemeente Zeist", cbs_code="0355")
    user = UserFactory(is_superuser=True)
    out = io.StringIO()
    call_command(
        "create_api_token",
        "--organisation",
        "Gemeente Zeist",
        "--name",
        "Zaaksysteem",
        "--scope",
        "sessions:read",
        "--scope",
        "bookings:write",
        "--by",
        user.username,
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(organisation=org)
    assert token.key_hash == hash_api_key(secret)
    assert token.scopes == ["bookings:write", "sessions:read"]


def test_create_api_token_command_names_the_bad_option():
    from django.core.management import CommandError, call_command

    user = UserFactory()
    with pytest.raises(CommandError, match="--scope"):
        call_command(
            "create_api_token",
            "--organisation",
            "x",
            "--name",
            "n",
            "--scope",
            "everything",
            "--by",
            user.username,
        )
    with pytest.raises(CommandError, match="--organisation"):
        call_command(
            "create_api_token",
            "--organisation",
            "nowhere",
            "--name",
            "n",
            "--scope",
            "results:read",
            "--by",
            user.username,
        )
