"""Celery tasks of the registry: take ids, load, do one thing, own the retry policy."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .mail import TRANSIENT_MAIL_ERRORS, render_bilingual
from .models import User


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_security_email_task(user_id: int, event: str) -> None:
    """Tell a staff member that a second factor was added, removed or renewed.

    One mail with the Dutch text first and the English text below, so it is
    understood whatever language the reader uses. It never contains a code or
    a secret. Retries transient mail-server errors with back-off; a user
    without an e-mail address (or deleted since) gets nothing.
    """
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return
    context = {
        "user": user,
        "event": event,
        "when": timezone.localtime(timezone.now()),
        "site_url": settings.SITE_URL,
    }
    subject, body = render_bilingual(
        "examens/auth/security_email_subject.txt", "examens/auth/security_email.txt", context
    )
    send_mail(
        subject=subject,
        message=body,
        from_email=None,
        recipient_list=[user.email],
    )
