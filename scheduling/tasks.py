"""Celery tasks of scheduling: mails after commit and the periodic jobs.

Each task takes ids, loads, calls one service (or sends one mail) and owns its
retry policy: transient mail errors are retried with back-off, domain errors
never. Periodic jobs select cheaply, then let a service lock and re-check each
row, so running them twice (or concurrently) changes nothing the second time.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.utils import timezone

from examens.audit import SystemActor
from examens.mail import TRANSIENT_MAIL_ERRORS, render_bilingual

from .models import Booking, ComponentPolicy, ExamSession, WaitingListEntry
from .qr import qr_filename, reference_qr_png

JOBS = SystemActor("scheduling-jobs")
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


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_booking_mail_task(booking_id: int, kind: str) -> None:
    """Mail the candidate about a booking: invitation (with the booking reference and
    a PNG QR code of it, to scan at the door), reminder, cancellation or session
    cancelled. Never a BSN; the QR code holds the reference only.
    Invitations are sent at least once and marked afterwards (a marked one is skipped)."""
    from .services import claim_invitation

    if kind not in MAIL_KINDS:
        raise ValueError(kind)
    booking = (
        Booking.objects.select_related(
            "candidate", "session", "session__centre", "session__room", "session__component"
        )
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or not booking.candidate.email:
        return
    if kind == "invitation" and booking.invitation_sent_at is not None:
        return
    subject, body = _bilingual(
        kind, _booking_context(booking), booking.candidate.preferred_language
    )
    message = EmailMessage(subject=subject, body=body, to=[booking.candidate.email])
    if kind in ("invitation", "reminder"):
        message.attach(
            qr_filename(booking.reference), reference_qr_png(booking.reference), "image/png"
        )
    message.send()
    if kind == "invitation":
        claim_invitation(booking, actor=JOBS)


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
    from .services import close_booking

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
    from .services import expire_offer

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
    """Queue a reminder for every booked seat within its component's reminder window."""
    from .services import claim_reminder

    now = timezone.now()
    sent = 0
    policies = {p.component_id: p.reminder_days for p in ComponentPolicy.objects.all()}
    default_days = ComponentPolicy._meta.get_field("reminder_days").default
    longest = max([default_days, *policies.values()])
    candidates = Booking.objects.filter(
        status=Booking.Status.BOOKED,
        reminder_sent_at__isnull=True,
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
