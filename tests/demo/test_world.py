"""`manage.py seed_demo` builds the whole demo world, every app included, twice without change.

Every service is called by the actor who would really act, so the world also
holds when the services check their actor.
"""

import io

import pytest
from django.core.management import call_command

from certificates.models import Certificate
from examens.audit import verify_chain
from examens.models import AuditEvent, Organisation, Role
from grading.models import ExaminerQualification, Rating, Result
from scheduling.models import Booking, ExamSession

pytestmark = pytest.mark.django_db

PLANNER_ACTIONS = {
    "scheduling.session.created",
    "scheduling.session.published",
    "scheduling.session.staff_assigned",
    "scheduling.session.held",
}
AGENCY_DECISIONS = {"examens.decision.exemption", "examens.decision.term_extension"}
# What may happen without a person: the demo's own rows (demo.history) and the jobs.
SYSTEM_ACTION_PREFIXES = (
    "examens.organisation.",
    "examens.centre.",
    "examens.room.",
    "examens.user.",
    "examens.totp_device.",
    "examens.membership.granted",  # each organisation's first administrator only
    "certificates.",
    "scheduling.booking.invitation_sent",
)


def seed(candidates: int = 120) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--candidates", str(candidates), stdout=out)
    return out.getvalue()


def test_demo_world_reaches_every_app_and_a_second_run_adds_nothing():
    seed()

    assert ExamSession.objects.filter(status="held").exists()
    assert Booking.objects.filter(status="checked_in").exists()
    assert Rating.objects.filter(kind="adjudication").exists()
    assert Result.objects.filter(status="released", outcome="passed").exists()
    assert Result.objects.filter(corrects__isnull=False).exists()
    assert Certificate.objects.filter(status="valid").exists()

    events = AuditEvent.objects.count()
    assert "Nothing to create" in seed()
    assert AuditEvent.objects.count() == events
    assert verify_chain()[1] is None


def is_member(user, organisation_id: int, *roles: str) -> bool:
    return user.memberships.filter(organisation_id=organisation_id, role__in=roles).exists()


def test_demo_world_every_service_is_called_by_the_actor_who_would_act():
    seed(60)
    agency = Organisation.objects.get(kind=Organisation.Kind.AGENCY)
    events = AuditEvent.objects.select_related("actor")

    system = events.filter(actor__isnull=True)
    assert system.exists()
    assert [e.action for e in system if not e.action.startswith(SYSTEM_ACTION_PREFIXES)] == []
    for event in events.filter(action__in=PLANNER_ACTIONS):
        session = ExamSession.objects.select_related("centre").get(pk=event.object_id)
        assert is_member(event.actor, session.centre.organisation_id, Role.PLANNER), event
    for event in events.filter(action="scheduling.booking.created"):
        booking = Booking.objects.select_related("session__centre").get(pk=event.object_id)
        assert is_member(event.actor, booking.session.centre.organisation_id, Role.PLANNER)
    for rating in Rating.objects.select_related("rater", "booking__session__centre"):
        organisation_id = rating.booking.session.centre.organisation_id
        assert is_member(rating.rater, organisation_id, Role.EXAMINER)
    for event in events.filter(action__in=AGENCY_DECISIONS):
        assert is_member(event.actor, agency.pk, Role.OFFICER, Role.ADMIN), event


def test_demo_world_qualifies_examiners_only_for_their_own_organisation():
    seed(60)

    qualifications = ExaminerQualification.objects.select_related("user")
    assert qualifications.exists()
    for qualification in qualifications:
        assert is_member(qualification.user, qualification.organisation_id, Role.EXAMINER)
        granted = AuditEvent.objects.get(
            action="grading.qualification.granted", object_id=str(qualification.pk)
        )
        assert is_member(granted.actor, qualification.organisation_id, Role.ADMIN)
    agency = Organisation.objects.get(kind=Organisation.Kind.AGENCY)
    outsiders = qualifications.filter(organisation=agency).exclude(
        user__memberships__organisation=agency
    )
    assert not outsiders.exists()
