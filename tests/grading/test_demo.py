"""grading.demo: rated and released results, one adjudication, one correction; idempotent."""

import io

import pytest

from grading import demo
from grading.models import Rating, Result
from scheduling.models import Booking
from tests.examens.factories import AgencyFactory, UserFactory
from tests.grading.factories import BookingFactory, SessionFactory, rated_booking

pytestmark = pytest.mark.django_db


def test_demo_creates_nothing_without_bookings():
    assert demo.seed(users={}, stdout=io.StringIO()) == {}


def test_demo_rates_releases_adjudicates_corrects_and_is_idempotent():
    AgencyFactory()
    users = {name: UserFactory(username=name) for name in demo.EXAMINERS}
    session = SessionFactory()
    for _ in range(3):
        BookingFactory(session=session)
    BookingFactory(session=session, status=Booking.Status.NO_SHOW)
    rated_booking()
    rated_booking()

    created = demo.seed(users=users, stdout=io.StringIO())
    again = demo.seed(users=users, stdout=io.StringIO())

    assert created["ratings"] == 5  # one adjudication
    assert Rating.objects.filter(kind="adjudication").count() == 1
    assert Result.objects.filter(corrects__isnull=False).count() == 1
    assert not Result.objects.filter(status=Result.Status.DRAFT).exists()
    assert again == {}
