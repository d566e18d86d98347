"""Periodic jobs run twice change nothing the second time; mails are queued on commit."""

import datetime

import pytest
from celery.app.task import Task
from django.utils import timezone

from examens.models import AuditEvent
from scheduling.ical import render_calendar
from scheduling.models import ExamSession
from scheduling.services import book_candidate, cancel_booking
from scheduling.tasks import (
    close_booking_windows_task,
    send_pending_invitations_task,
    send_reminders_task,
)
from tests.conftest import agency_staff
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
    actor = agency_staff()
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
        book_candidate(session, actor=agency_staff(), candidate=candidate)

    body = mailoutbox[0].body
    assert body.index("What to bring") < body.index("----------")


def test_calendar_lines_are_folded_and_escaped():
    session = SessionFactory()
    session.centre.name = "Centre, with; a very long name " * 3

    text = render_calendar(name="Feed", sessions=[session])

    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "Centre\\, with\\; a" in text.replace("\r\n ", "")


@pytest.fixture
def outbox_mode():
    """As in services mode: tasks go to a worker, so a booking publishes no invitation."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def test_a_booking_in_services_mode_leaves_its_invitation_to_the_outbox(
    outbox_mode, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    published: list[str] = []
    monkeypatch.setattr(Task, "apply_async", lambda task, *a, **k: published.append(task.name))
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking = book_candidate(
            session, actor=agency_staff(), candidate=candidate_for(session, email="c@x.nl")
        )

    # After commit only the booking_changed signal runs (no webhook subscribes here).
    assert len(callbacks) == 1
    assert published == []  # nothing published on the booking request
    assert mailoutbox == []
    assert send_pending_invitations_task() == 1
    assert [message.to for message in mailoutbox] == [["c@x.nl"]]
    assert booking.reference in mailoutbox[0].body
    booking.refresh_from_db()
    assert booking.invitation_sent_at is not None


def test_the_outbox_run_twice_sends_each_invitation_once_and_only_to_booked_seats(
    outbox_mode, mailoutbox
):
    actor = agency_staff()
    coming = SessionFactory()
    invited = book_candidate(coming, actor=actor, candidate=candidate_for(coming, email="a@x.nl"))
    book_candidate(coming, actor=actor, candidate=candidate_for(coming, email=""))
    cancelled = book_candidate(coming, actor=actor, candidate=candidate_for(coming, email="b@x.nl"))
    cancel_booking(cancelled, actor=actor)
    past = SessionFactory()
    book_candidate(past, actor=actor, candidate=candidate_for(past, email="p@x.nl"))
    ExamSession.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )

    assert send_pending_invitations_task() == 1
    assert send_pending_invitations_task() == 0

    assert [message.to for message in mailoutbox] == [["a@x.nl"]]
    assert invited.reference in mailoutbox[0].body
    events = AuditEvent.objects.filter(action="scheduling.booking.invitation_sent")
    assert [event.object_id for event in events] == [str(invited.pk)]


def test_a_failed_invitation_mail_stays_in_the_outbox(outbox_mode, mailoutbox, monkeypatch):
    import smtplib

    from django.core.mail import EmailMessage

    session = SessionFactory()
    booking = book_candidate(
        session, actor=agency_staff(), candidate=candidate_for(session, email="c@x.nl")
    )
    original = EmailMessage.send

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server gone")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert send_pending_invitations_task() == 0
    booking.refresh_from_db()
    assert booking.invitation_sent_at is None

    monkeypatch.setattr(EmailMessage, "send", original)
    assert send_pending_invitations_task() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_outbox_runs_at_once_send_an_invitation_once(outbox_mode, mailoutbox, monkeypatch):
    from django.core.mail import EmailMessage
    from django.db import connection

    from tests.conftest import race, require_service

    require_service("PostgreSQL", connection.vendor == "postgresql")
    session = SessionFactory()
    book_candidate(session, actor=agency_staff(), candidate=candidate_for(session, email="c@x.nl"))
    original = EmailMessage.send

    def slow_send(self, *args, **kwargs):
        import time

        time.sleep(0.5)  # the other run reaches the row while this one holds it
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", slow_send)
    results = race([send_pending_invitations_task, send_pending_invitations_task])

    assert sorted(results) == [0, 1]
    assert len(mailoutbox) == 1


def test_a_refused_address_does_not_hold_up_the_other_invitations(
    outbox_mode, mailoutbox, monkeypatch
):
    import smtplib

    from django.core.mail import EmailMessage

    from scheduling.services.outbox import MAX_INVITATION_ATTEMPTS

    actor = agency_staff()
    session = SessionFactory()
    refused = book_candidate(
        session, actor=actor, candidate=candidate_for(session, email="typo@exampel.nl")
    )
    fine = book_candidate(session, actor=actor, candidate=candidate_for(session, email="f@x.nl"))
    original = EmailMessage.send

    def refuse_typo(self, *args, **kwargs):
        if self.to == ["typo@exampel.nl"]:
            raise smtplib.SMTPRecipientsRefused({"typo@exampel.nl": (550, b"no such domain")})
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refuse_typo)

    assert send_pending_invitations_task() == 1
    assert [message.to for message in mailoutbox] == [["f@x.nl"]]
    for _ in range(MAX_INVITATION_ATTEMPTS + 2):
        send_pending_invitations_task()

    refused.refresh_from_db()
    fine.refresh_from_db()
    assert fine.invitation_sent_at is not None
    assert refused.invitation_sent_at is None
    assert refused.invitation_failures == MAX_INVITATION_ATTEMPTS  # then the outbox gives up
    failures = AuditEvent.objects.filter(action="scheduling.booking.invitation_failed")
    assert failures.count() == MAX_INVITATION_ATTEMPTS
    assert "typo@" not in str(failures.first().data)
    sent = AuditEvent.objects.filter(action="scheduling.booking.invitation_sent")
    assert [event.object_id for event in sent] == [str(fine.pk)]
