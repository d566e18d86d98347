"""Celery tasks of scheduling: mails after commit and the periodic jobs.

Each task takes ids, loads, calls one service (or sends one mail) and owns its
retry policy: transient mail errors are retried with back-off, domain errors
never. Periodic jobs select cheaply, then let a service lock and re-check each
row, so running them twice (or concurrently) changes nothing the second time.
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.utils import timezone

from examens.audit import SystemActor
from examens.mail import TRANSIENT_MAIL_ERRORS, render_bilingual

from .letter_pdf import CANCELLATION, REMINDER
from .models import Booking, ComponentPolicy, ExamSession, WaitingListEntry
from .qr import qr_filename, reference_qr_png
from .services import close_booking, expire_offer
from .services.letters import route_invitations_by_post, route_letter_by_post
from .services.outbox import (
    claim_invitation,
    claim_reminder,
    mark_invitation_sent,
    pending_invitations,
    record_invitation_failure,
    release_invitation,
)

JOBS = SystemActor("scheduling-jobs")
logger = logging.getLogger(__name__)
TRANSIENT = TRANSIENT_MAIL_ERRORS


def _bilingual(template: str, context: dict, first: str) -> tuple[str, str]:
    """Subject and body of `scheduling/mail/<template>` in the candidate's language first."""
    return render_bilingual(
        f"scheduling/mail/{template}_subject.txt", f"scheduling/mail/{template}.txt", context, first
    )


def _booking_context(booking: Booking) -> dict:
    session = booking.session
    return {
        "booking": booking,
        "candidate_name": booking.candidate.full_name,
        "session": session,
        "starts_at": timezone.localtime(session.starts_at),
        "centre": session.centre,
        "room": session.room,
        "component": session.component,
        "slot_minutes": booking.slot_minutes,
        "accommodations": booking.accommodations,
        "site_url": settings.SITE_URL,
    }


MAIL_KINDS = {"invitation", "reminder", "cancelled", "session_cancelled"}


def _booking_message(booking: Booking, kind: str) -> EmailMessage:
    subject, body = _bilingual(
        kind, _booking_context(booking), booking.candidate.preferred_language
    )
    message = EmailMessage(subject=subject, body=body, to=[booking.candidate.email])
    if kind in ("invitation", "reminder"):
        message.attach(
            qr_filename(booking.reference), reference_qr_png(booking.reference), "image/png"
        )
    return message


_FOR_MAIL = ("candidate", "session", "session__centre", "session__room", "session__component")


def deliver_invitation(booking_id: int) -> bool:
    """Send a booking's invitation if it is due, and mark it sent; True if sent.

    At least once (docs/decisions/0008-outbox-lease.md): the invitation is
    claimed with a lease in its own committed transaction, the mail is built
    and sent outside any transaction (no row lock is held while the mail
    server is slow), then marked sent. A second run skips it while the lease
    holds, so two runs never send it twice. A mail error propagates with the
    lease still held (the caller gives it back: release or count a failure);
    a crash between the send and the mark leaves the lease to expire, after
    which the invitation is sent once more.
    """
    booking = claim_invitation(booking_id, actor=JOBS)
    if booking is None:
        return False
    _booking_message(booking, "invitation").send()
    mark_invitation_sent(booking_id, actor=JOBS)
    return True


def note_invitation_failure(booking_id: int, error: Exception) -> None:
    """Count a failed invitation and record it (the error's kind, never the address)."""
    if Booking.objects.filter(pk=booking_id).exists():
        record_invitation_failure(booking_id, actor=JOBS, error=type(error).__name__)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_booking_mail_task(booking_id: int, kind: str) -> None:
    """Mail the candidate about a booking: invitation (with the booking reference and
    a PNG QR code of it, to scan at the door), reminder, cancellation or session
    cancelled. Never a BSN; the QR code holds the reference only.
    Invitations are sent at least once and marked sent (deliver_invitation). A
    candidate without an e-mail address gets a letter instead (services/letters.py)."""
    if kind not in MAIL_KINDS:
        raise ValueError(kind)
    if kind == "invitation":
        deliver_invitation(booking_id)
        return
    booking = Booking.objects.select_related(*_FOR_MAIL).filter(pk=booking_id).first()
    if booking is None:
        return
    if not booking.candidate.email:
        # The address was removed after the mail was queued: a letter instead, never
        # nothing (the services route an e-mail-less candidate before queueing).
        route_letter_by_post(
            booking_id, actor=JOBS, kind=REMINDER if kind == "reminder" else CANCELLATION
        )
        return
    _booking_message(booking, kind).send()


# The mail server itself is unreachable: stop this run, count nothing against a booking.
SERVER_DOWN = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)


@shared_task
def send_pending_invitations_task(limit: int = 500) -> int:
    """The invitation outbox: send the unsent invitations of booked seats in sessions
    still to come, oldest booking first. Returns how many were sent.

    Safe to run twice or concurrently (deliver_invitation: a lease per row, at
    least once). When the mail server is down the run gives its claim back,
    stops, and the rest waits for the next one. Any other failure
    (a refused address, a broken template) is counted against that booking only
    and the run goes on; after MAX_INVITATION_ATTEMPTS the outbox gives up on it
    (its audit trail shows why)."""
    # A candidate without an e-mail address gets a letter instead (services/letters.py).
    route_invitations_by_post(actor=JOBS)
    sent = 0
    for booking_id in pending_invitations(limit=limit):
        try:
            sent += deliver_invitation(booking_id)
        except SERVER_DOWN as error:
            logger.warning("Mail server unreachable; the invitation outbox retries next run.")
            release_invitation(booking_id, actor=JOBS, error=type(error).__name__)
            break
        except Exception as error:  # noqa: BLE001 - one booking's failure must not stop the rest
            logger.warning("Invitation for booking %s failed: %s", booking_id, type(error).__name__)
            note_invitation_failure(booking_id, error)
    return sent


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_offer_mail_task(entry_id: int) -> None:
    """Tell a waiting candidate that a seat is held for them until the offer expires."""
    entry = (
        WaitingListEntry.objects.select_related(
            "candidate", "offered_session", "offered_session__centre", "component"
        )
        .filter(pk=entry_id, status=WaitingListEntry.Status.OFFERED)
        .first()
    )
    if entry is None or not entry.candidate.email or entry.offered_session is None:
        return
    context = {
        "candidate_name": entry.candidate.full_name,
        "session": entry.offered_session,
        "starts_at": timezone.localtime(entry.offered_session.starts_at),
        "centre": entry.offered_session.centre,
        "component": entry.component,
        "expires_at": timezone.localtime(entry.offer_expires_at),
    }
    subject, body = _bilingual("offer", context, entry.candidate.preferred_language)
    send_mail(
        subject=subject, message=body, from_email=None, recipient_list=[entry.candidate.email]
    )


@shared_task
def close_booking_windows_task() -> int:
    """Close booking for published sessions past their deadline. Returns how many closed."""
    due = ExamSession.objects.filter(
        status=ExamSession.Status.PUBLISHED, booking_closes_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    closed = 0
    for session in ExamSession.objects.filter(pk__in=list(due)):
        if close_booking(session, actor=JOBS, only_when_due=True).status == "closed":
            closed += 1
    return closed


@shared_task
def expire_offers_task() -> int:
    """Expire waiting-list offers past their deadline and move the seat on."""
    due = list(
        WaitingListEntry.objects.filter(
            status=WaitingListEntry.Status.OFFERED, offer_expires_at__lte=timezone.now()
        ).order_by("offer_expires_at", "pk")
    )
    expired = 0
    for entry in due:
        if expire_offer(entry, actor=JOBS).status == WaitingListEntry.Status.EXPIRED:
            expired += 1
    return expired


@shared_task
def send_reminders_task() -> int:
    """Queue a reminder for every booked seat within its component's reminder window;
    a candidate without an e-mail address is routed to post (claim_reminder)."""
    now = timezone.now()
    sent = 0
    policies = {p.component_id: p.reminder_days for p in ComponentPolicy.objects.all()}
    default_days = ComponentPolicy._meta.get_field("reminder_days").default
    longest = max([default_days, *policies.values()])
    candidates = Booking.objects.filter(
        status=Booking.Status.BOOKED,
        reminder_sent_at__isnull=True,
        reminder_by_post_at__isnull=True,
        session__starts_at__gt=now,
        session__starts_at__lte=now + datetime.timedelta(days=longest),
    ).select_related("session")
    for booking in list(candidates):
        days = policies.get(booking.component_id, default_days)
        if booking.session.starts_at > now + datetime.timedelta(days=days):
            continue
        if claim_reminder(booking, actor=JOBS):
            sent += 1
    return sent
