"""`manage.py seed_demo` under DEBUG: a believable, idempotent registry with known logins."""

import base64
import io

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.nl import bsn as stdnum_bsn

from demo.candidates import plan_candidates
from demo.credentials import DEMO_PASSWORD, known_totp_key_for
from demo.world import STAFF
from examens.audit import verify_chain
from examens.models import (
    AuditEvent,
    Candidate,
    Decision,
    ExamCentre,
    Membership,
    Organisation,
    Role,
    Room,
    Route,
    User,
)

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = [username for username, *_ in STAFF]


def seed(*flags: str, candidates: int = 30) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--candidates", str(candidates), *flags, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = [
        Organisation,
        ExamCentre,
        Room,
        User,
        Membership,
        TOTPDevice,
        Candidate,
        Decision,
        AuditEvent,
        Organisation.contracted_by.through,
    ]
    return {model._meta.label: model.objects.count() for model in models}


def test_seed_demo_creates_agency_municipalities_provider_and_centres():
    seed()

    assert Organisation.objects.get(name="DUO").kind == Organisation.Kind.AGENCY
    municipalities = dict(
        Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY).values_list(
            "name", "cbs_code"
        )
    )
    assert municipalities == {"Utrecht": "0344", "Amersfoort": "0307", "Zeist": "0355"}
    provider = Organisation.objects.get(name="Taalcentrum Midden")
    assert provider.kind == Organisation.Kind.PROVIDER
    assert {m.name for m in provider.contracted_by.all()} == {"Amersfoort", "Zeist"}
    centres = {centre.name: centre for centre in ExamCentre.objects.select_related("organisation")}
    assert {name: (c.kind, c.organisation.name) for name, c in centres.items()} == {
        "DUO Examenlocatie Utrecht": (ExamCentre.Kind.CENTRAL, "DUO"),
        "DUO Examenlocatie Amersfoort": (ExamCentre.Kind.CENTRAL, "DUO"),
        "Gemeente Utrecht Stadskantoor": (ExamCentre.Kind.DECENTRALISED, "Utrecht"),
        "Taalcentrum Midden Zeist": (ExamCentre.Kind.DECENTRALISED, "Taalcentrum Midden"),
    }
    for centre in centres.values():
        assert 2 <= centre.rooms.count() <= 3
    assert all(8 <= room.capacity <= 30 for room in Room.objects.all())
    for flag in ("step_free", "separate_room", "large_screen", "hearing_loop"):
        assert Room.objects.filter(**{flag: True}).exists()
        assert Room.objects.filter(**{flag: False}).exists()
    assert AuditEvent.objects.filter(action="examens.organisation.created").count() == 5
    assert AuditEvent.objects.filter(action="examens.organisation.contracted").count() == 2
    assert AuditEvent.objects.filter(action="examens.centre.created").count() == 4
    assert AuditEvent.objects.filter(action="examens.room.created").count() == Room.objects.count()


def test_seed_demo_creates_staff_with_demo_password_roles_and_confirmed_totp():
    seed()

    for username, _, _, organisation, roles in STAFF:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert set(
            user.memberships.filter(organisation__name=organisation).values_list("role", flat=True)
        ) == set(roles)
        device = TOTPDevice.objects.get(user=user, name="demo")
        assert device.confirmed
        assert device.key == known_totp_key_for(username)
        assert len(device.key) == 40
    admin = User.objects.get(username="beheer.duo")
    assert admin.is_staff
    assert admin.is_superuser
    assert not User.objects.get(username="planner.duo").is_superuser
    assert Membership.objects.filter(
        user__username="medewerker.duo", organisation__name="DUO", role=Role.OFFICER
    ).exists()


def test_seed_demo_registers_candidates_with_valid_bsns_through_municipal_officers():
    seed()

    candidates = list(Candidate.objects.select_related("municipality", "route__regime"))
    assert len(candidates) == 30
    assert all(stdnum_bsn.is_valid(candidate.bsn) for candidate in candidates)
    assert {c.municipality.name for c in candidates} <= {"Utrecht", "Amersfoort", "Zeist"}
    for candidate in candidates:
        event = AuditEvent.objects.get(
            action="examens.candidate.registered", object_id=str(candidate.pk)
        )
        assert event.actor.memberships.filter(
            organisation=candidate.municipality, role=Role.OFFICER
        ).exists()
        assert 1960 <= candidate.date_of_birth.year <= 2004
    assert Decision.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="examens.decision.").count() == (
        Decision.objects.count()
    )


def test_seed_demo_gives_most_candidates_without_e_mail_a_postal_address():
    """Their invitations go by post (decision 0029): the letters page has letters to
    print, and a few without an address show that case too."""
    seed(candidates=60)

    by_post = Candidate.objects.filter(email="")
    with_address = by_post.exclude(postal_address="")
    assert with_address.exists()
    assert by_post.filter(postal_address="").exists()
    assert not Candidate.objects.exclude(email="").exclude(postal_address="").exists()
    for candidate in with_address:
        assert candidate.municipality.name in candidate.postal_address


def test_seed_demo_default_world_has_every_kind_of_decision():
    seed(candidates=300)

    # The present candidates (terms from 2023); the old cohorts are demo.cohorts'.
    assert Candidate.objects.filter(term_start__year__gte=2023).count() == 300
    for kind in Decision.Kind.values:
        assert Decision.objects.filter(kind=kind).exists(), kind
    assert set(
        Decision.objects.filter(kind=Decision.Kind.EXEMPTION).values_list("ground", flat=True)
    ) == {Decision.Ground.MEDICAL, Decision.Ground.DIPLOMA}
    assert set(Candidate.objects.values_list("route__regime__code", "route__code").distinct()) == {
        ("WI2021", "B1"),
        ("WI2021", "EDU"),
        ("WI2021", "Z"),
        ("WI2013", "A2"),
    }


def test_seed_demo_second_run_creates_no_rows_and_no_audit_events():
    seed()
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "Nothing to create" in output
    assert verify_chain() == (before["examens.AuditEvent"], None)


def test_seed_demo_is_deterministic_across_databases():
    """The plan depends on nothing but its seed, and the database holds exactly the plan."""
    seed()
    requirements = {
        (route.regime.code, route.code): {
            "required": {r.component.code for r in route.requirements.all() if not r.optional},
            "step_down": {r.component.code for r in route.requirements.all() if r.step_down_level},
        }
        for route in Route.objects.select_related("regime").prefetch_related(
            "requirements__component"
        )
    }
    first = plan_candidates(30, requirements)
    again = plan_candidates(30, requirements)
    assert [(p.bsn, p.family_name, p.term_start) for p in first] == [
        (p.bsn, p.family_name, p.term_start) for p in again
    ]
    assert sorted(Candidate.objects.values_list("bsn", "family_name", "term_start")) == sorted(
        (p.bsn, p.family_name, p.term_start) for p in first
    )


def test_seed_demo_prints_logins_with_totp_secret_but_never_a_bsn():
    output = seed()

    for username in DEMO_USERNAMES:
        assert username in output
        secret = base64.b32encode(bytes.fromhex(known_totp_key_for(username))).decode()
        assert secret in output
    assert DEMO_PASSWORD in output
    bsns = list(Candidate.objects.values_list("bsn", flat=True))
    assert bsns
    assert not [bsn for bsn in bsns if bsn in output]


def test_seed_demo_quiet_prints_nothing():
    assert seed("--quiet") == ""
    assert Candidate.objects.count() == 30


def test_seed_demo_printed_code_verifies_against_the_device():
    output = seed()

    line = next(line for line in output.splitlines() if line.startswith("planner.utrecht "))
    code = line.split()[-1]
    device = TOTPDevice.objects.get(user__username="planner.utrecht", name="demo")
    assert device.verify_token(code)


def test_seed_demo_memberships_are_granted_by_an_admin_of_the_organisation():
    seed(candidates=0)

    events = AuditEvent.objects.filter(action="examens.membership.granted")
    assert events.count() == Membership.objects.count()
    first_admins = 0
    for event in events:
        organisation = event.data["organisation"]
        if event.actor is None:
            # Only each organisation's first administrator, appointed when it joined.
            assert event.data["role"] == Role.ADMIN
            first_admins += 1
            continue
        assert event.actor.memberships.filter(
            organisation_id=organisation, role=Role.ADMIN
        ).exists(), event.data
    assert first_admins == Organisation.objects.count()
