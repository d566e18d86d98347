"""Periodic jobs run twice change nothing the second time; mails are queued on commit."""

import datetime

import pytest
from django.utils import timezone

from examens.models import AuditEvent
from scheduling.ical import render_calendar
from scheduling.models import ExamSession
from scheduling.services import book_candidate
from scheduling.tasks import close_booking_windows_task, send_reminders_task
from tests.examens.factories import UserFactory
from tests.scheduling.factories import SessionFactory, candidate_for

pytestmark = pytest.mark.django_db


def test_close_booking_windows_twice_closes_once():
    due = SessionFactory(booking_closes_at=timezone.now() - datetime.timedelta(minutes=1))
    open_one = SessionFactory()

    assert close_booking_windows_task() == 1
    assert close_booking_windows_task() == 0

    due.refresh_from_db()
    open_one.refresh_from_db()
    assert (due.status, open_one.status) == ("closed", "published")


def test_reminders_twice_send_one_mail(django_capture_on_commit_callbacks, mailoutbox):
    soon = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=5))
    far = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=20))
    actor = UserFactory()
    booking = book_candidate(soon, actor=actor, candidate=candidate_for(soon, email="a@x.nl"))
    book_candidate(far, actor=actor, candidate=candidate_for(far, email="b@x.nl"))
    ExamSession.objects.filter(pk=soon.pk).update(
        starts_at=timezone.now() + datetime.timedelta(days=2)
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders_task() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders_task() == 0

    assert len(mailoutbox) == 1
    assert booking.reference in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="scheduling.booking.reminder_sent").count() == 1


def test_invitation_is_bilingual_in_the_candidates_language_first(
    django_capture_on_commit_callbacks, mailoutbox
):
    session = SessionFactory()
    candidate = candidate_for(session, email="c@x.nl", preferred_language="en")

    with django_capture_on_commit_callbacks(execute=True):
        book_candidate(session, actor=UserFactory(), candidate=candidate)

    body = mailoutbox[0].body
    assert body.index("What to bring") < body.index("----------")


def test_calendar_lines_are_folded_and_escaped():
    session = SessionFactory()
    session.centre.name = "Centre, with; a very long name " * 3

    text = render_calendar(name="Feed", sessions=[session])

    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "Centre\\, with\\; a" in text.replace("\r\n ", "")
