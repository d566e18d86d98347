"""Secret calendar feeds: the services (owner, rotation, revocation) and the feeds page."""

import hashlib

import pytest
from django.urls import reverse

from examens.models import AuditEvent, Role
from scheduling.exceptions import SchedulingError
from scheduling.models import CalendarFeed
from scheduling.services import create_calendar_feed, revoke_calendar_feed
from tests.conftest import agency_staff, login_verified
from tests.examens.factories import CentreFactory, MembershipFactory, UserFactory
from tests.scheduling.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_feed_needs_exactly_one_owner():
    with pytest.raises(SchedulingError) as error:
        create_calendar_feed(actor=agency_staff())
    assert error.value.field == "owner"
    with pytest.raises(SchedulingError):
        create_calendar_feed(actor=agency_staff(), centre=CentreFactory(), user=UserFactory())
    assert not CalendarFeed.objects.exists()


def test_feed_keeps_only_the_digest_and_audits_without_the_secret():
    centre = CentreFactory()

    feed = create_calendar_feed(actor=agency_staff(), centre=centre)

    assert feed.token == hashlib.sha256(feed.secret.encode()).hexdigest()
    event = AuditEvent.objects.get(action="scheduling.calendar_feed.created")
    assert feed.secret not in str(event.data)
    assert feed.token not in str(event.data)
    assert event.data["centre"] == centre.pk


def test_a_new_feed_revokes_the_owners_previous_one():
    user = MembershipFactory(role="examiner").user
    first = create_calendar_feed(actor=user, user=user)

    second = create_calendar_feed(actor=user, user=user)

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None
    assert second.secret != first.secret
    event = AuditEvent.objects.filter(action="scheduling.calendar_feed.created").last()
    assert event.data["replaced"] == [first.pk]


def test_revoking_is_idempotent_with_one_audit_event():
    feed = create_calendar_feed(actor=agency_staff(), centre=CentreFactory())

    revoke_calendar_feed(feed, actor=agency_staff())
    again = revoke_calendar_feed(feed, actor=agency_staff())

    assert again.revoked_at is not None
    assert AuditEvent.objects.filter(action="scheduling.calendar_feed.revoked").count() == 1


# --- the page -----------------------------------------------------------------------------


@pytest.fixture
def session():
    return SessionFactory()


def test_feeds_page_lists_the_planners_centres(planner_client, session):
    response = planner_client.get(reverse("scheduling:feeds"))

    assert response.status_code == 200
    assert session.centre.name in response.content.decode()


def test_feeds_page_answers_404_to_a_person_without_centres_or_sessions(client):
    login_verified(client, MembershipFactory(role=Role.OFFICER).user)
    assert client.get(reverse("scheduling:feeds")).status_code == 404


def test_planner_creates_a_centre_feed_and_sees_its_url_once(planner_client, session):
    response = planner_client.post(reverse("scheduling:feed-create"), {"centre": session.centre.pk})

    feed = CalendarFeed.objects.get(centre=session.centre)
    url = response.context["new_url"]
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert feed.token == hashlib.sha256(secret.encode()).hexdigest()
    assert url in response.content.decode()
    assert AuditEvent.objects.filter(action="scheduling.calendar_feed.created").count() == 1
    assert planner_client.get(url).status_code == 200
    assert secret not in planner_client.get(reverse("scheduling:feeds")).content.decode()


def test_planner_cannot_create_a_feed_for_another_organisations_centre(planner_client):
    other = CentreFactory()

    response = planner_client.post(reverse("scheduling:feed-create"), {"centre": other.pk})

    assert response.status_code == 404
    assert not CalendarFeed.objects.exists()


def test_planner_revokes_a_centre_feed(planner_client, session):
    feed = create_calendar_feed(actor=agency_staff(), centre=session.centre)

    response = planner_client.post(reverse("scheduling:feed-revoke", args=[feed.pk]))

    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert AuditEvent.objects.filter(action="scheduling.calendar_feed.revoked").count() == 1
    assert (
        planner_client.get(reverse("scheduling:calendar-feed", args=[feed.secret])).status_code
        == 404
    )


def test_revoking_someone_elses_feed_answers_404(planner_client):
    feed = create_calendar_feed(actor=agency_staff(), centre=CentreFactory())

    assert planner_client.post(reverse("scheduling:feed-revoke", args=[feed.pk])).status_code == 404
    assert planner_client.post(reverse("scheduling:feed-revoke", args=[999999])).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_examiner_creates_and_revokes_their_own_feed(client):
    examiner = MembershipFactory(role=Role.EXAMINER).user
    login_verified(client, examiner)

    assert client.get(reverse("scheduling:feeds")).status_code == 200
    response = client.post(reverse("scheduling:feed-create"), {"mine": "1"})
    feed = CalendarFeed.objects.get(user=examiner)
    secret = response.context["new_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert feed.token == hashlib.sha256(secret.encode()).hexdigest()

    client.post(reverse("scheduling:feed-revoke", args=[feed.pk]))
    feed.refresh_from_db()
    assert feed.revoked_at is not None


def test_an_officer_cannot_create_an_own_feed(client):
    login_verified(client, MembershipFactory(role=Role.OFFICER).user)

    assert client.post(reverse("scheduling:feed-create"), {"mine": "1"}).status_code == 404
    assert not CalendarFeed.objects.exists()
