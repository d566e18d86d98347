"""demo.results: rated and released results, one adjudication, one correction; idempotent.

Qualifications come from an administrator of the examiner's own organisation only.
"""

import io

import pytest

from demo import results
from examens.models import AuditEvent, Role
from grading.models import ExaminerQualification, Rating, Result
from scheduling.models import Booking
from tests.conftest import fresh_factor
from tests.examens.factories import (
    AgencyFactory,
    MembershipFactory,
    OrganisationFactory,
    RoomFactory,
    UserFactory,
)
from tests.grading.factories import BookingFactory, SessionFactory, version

pytestmark = pytest.mark.django_db


def member(username: str, organisation, role: str):
    """A staff member who has just signed in with a code (as seed_demo's staff have)."""
    user = UserFactory(username=username)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return fresh_factor(user)


@pytest.fixture
def users():
    agency = AgencyFactory()
    utrecht = OrganisationFactory(name="Utrecht")
    found = {"beheer.duo": member("beheer.duo", agency, Role.ADMIN)}
    found["beheer.utrecht"] = member("beheer.utrecht", utrecht, Role.ADMIN)
    for name in ("examinator.duo", "examinator2.duo", "examinator3.duo"):
        found[name] = member(name, agency, Role.EXAMINER)
    found["examinator.utrecht"] = member("examinator.utrecht", utrecht, Role.EXAMINER)
    return found


def test_results_demo_creates_nothing_without_bookings():
    assert results.seed(users={}, stdout=io.StringIO()) == {}


def test_results_demo_rates_releases_adjudicates_corrects_and_is_idempotent(users):
    room = RoomFactory(centre__organisation=users["beheer.duo"].memberships.get().organisation)
    session = SessionFactory(room=room)
    for _ in range(3):
        BookingFactory(session=session)
    BookingFactory(session=session, status=Booking.Status.NO_SHOW)
    speaking = SessionFactory(room=room, exam_version=version("SPR-B1-2026A"))
    BookingFactory(session=speaking)
    BookingFactory(session=speaking)

    created = results.seed(users=users, stdout=io.StringIO())
    again = results.seed(users=users, stdout=io.StringIO())

    assert created["ratings"] == 5  # one adjudication
    assert Rating.objects.filter(kind="adjudication").count() == 1
    assert set(Rating.objects.values_list("rater__username", flat=True)) <= {
        "examinator.duo",
        "examinator2.duo",
        "examinator3.duo",
    }
    assert Result.objects.filter(corrects__isnull=False).count() == 1
    assert not Result.objects.filter(status=Result.Status.DRAFT).exists()
    assert again == {}


def test_results_demo_qualifies_examiners_only_for_their_own_organisation(users):
    room = RoomFactory(centre__organisation=users["beheer.duo"].memberships.get().organisation)
    BookingFactory(session=SessionFactory(room=room))

    results.seed(users=users, stdout=io.StringIO())

    qualifications = ExaminerQualification.objects.select_related("user", "organisation")
    assert {q.user.username for q in qualifications} == {
        "examinator.duo",
        "examinator2.duo",
        "examinator3.duo",
        "examinator.utrecht",
    }
    for qualification in qualifications:
        assert qualification.user.memberships.filter(
            organisation=qualification.organisation, role=Role.EXAMINER
        ).exists(), (qualification.user.username, qualification.organisation.name)
        event = AuditEvent.objects.get(
            action="grading.qualification.granted", object_id=str(qualification.pk)
        )
        assert event.actor.memberships.filter(
            organisation=qualification.organisation, role=Role.ADMIN
        ).exists()
