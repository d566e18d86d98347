"""Exam sessions, bookings, waiting lists and check-in."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from examens.models import Candidate, Component, ExamCentre, ExamVersion, Level, Room


class ComponentPolicy(models.Model):
    """Per-component scheduling policy (configurable data, edited in the admin)."""

    component = models.OneToOneField(Component, on_delete=models.CASCADE, related_name="policy")
    booking_closes_hours = models.PositiveIntegerField(
        _("booking closes (hours before start)"), default=48
    )
    free_cancellation_days = models.PositiveIntegerField(
        _("free cancellation until (days before start)"), default=7
    )
    offer_hours = models.PositiveIntegerField(_("waiting-list offer valid (hours)"), default=48)
    reminder_days = models.PositiveIntegerField(_("reminder (days before start)"), default=3)

    class Meta:
        verbose_name = _("component policy")
        verbose_name_plural = _("component policies")

    def __str__(self) -> str:
        return f"{self.component.code}"


class ExamSession(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Booking closed")
        HELD = "held", _("Held")
        RESULTS_COMPLETE = "results_complete", _("Results complete")
        CANCELLED = "cancelled", _("Cancelled")

    centre = models.ForeignKey(ExamCentre, on_delete=models.PROTECT, related_name="sessions")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="sessions")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="sessions")
    exam_version = models.ForeignKey(ExamVersion, on_delete=models.PROTECT, related_name="sessions")
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    capacity = models.PositiveIntegerField(_("capacity"))
    booked_count = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    # Seats reserved for outstanding waiting-list offers: a free seat offered to the
    # first waiting candidate is theirs until the offer expires.
    held_count = models.PositiveIntegerField(_("seats held for offers"), default=0, editable=False)
    accommodations = models.JSONField(
        _("accommodations served"),
        default=list,
        blank=True,
        help_text=_("Accommodation codes this session can serve (see Accommodation)."),
    )
    max_extra_minutes = models.PositiveSmallIntegerField(
        _("extra minutes available"),
        default=0,
        help_text=_("The longest extended time this session can give."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    booking_closes_at = models.DateTimeField(_("booking closes at"))
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="SessionStaff",
        related_name="exam_sessions",
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("exam session")
        verbose_name_plural = _("exam sessions")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(booked_count__lte=models.F("capacity")),
                name="session_never_overbooked",
            ),
            models.CheckConstraint(
                condition=Q(booked_count__lte=models.F("capacity") - models.F("held_count")),
                name="session_seats_and_offers_within_capacity",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "component", "starts_at"]),
            models.Index(fields=["centre", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
        ]

    def __str__(self) -> str:
        starts = timezone.localtime(self.starts_at)  # shown in Europe/Amsterdam, stored in UTC
        return f"{self.component.code} {starts:%Y-%m-%d %H:%M} @ {self.centre.name}"

    @property
    def seats_free(self) -> int:
        return self.capacity - self.booked_count - self.held_count

    @property
    def ends_at(self):
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)


class SessionStaff(models.Model):
    class Role(models.TextChoices):
        EXAMINER = "examiner", _("Examiner")
        INVIGILATOR = "invigilator", _("Invigilator")

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="session_assignments"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("session staff")
        verbose_name_plural = _("session staff")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="session_staff_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) @ {self.session_id}"


class Booking(models.Model):
    """A candidate's seat in a session: one attempt at one component."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        REJECTED = "rejected", _("Refused at the door")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")

    class Payer(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        CANDIDATE = "candidate", _("Candidate")
        NONE = "none", _("Free")

    # Open: the booking still holds its seat or its attempt (the door, cancellations).
    OPEN_STATUSES = (Status.BOOKED, Status.CHECKED_IN)
    # Pending: not sat yet. Only a pending booking blocks another booking of the same
    # component; a checked-in one has been sat and a retake may follow (decision 0026).
    PENDING_STATUSES = (Status.BOOKED,)
    # Not a column: `book_candidate` sets it, True when it returned the booking an
    # earlier call with the same idempotency key made (the API answers 200, not 201).
    replayed: bool = False

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="bookings")
    # Indexed by (candidate, component, status) below: a booking is the hot write, so
    # it keeps no index that no query uses (docs/decisions/0006).
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.BOOKED
    )
    attempt_number = models.PositiveSmallIntegerField(_("attempt"))
    counts_as_attempt = models.BooleanField(_("counts as an attempt"), default=True)
    payer = models.CharField(_("paid by"), max_length=20, choices=Payer.choices)
    fee_cents = models.PositiveIntegerField(_("fee (cents)"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot (minutes)"))
    accommodations = models.JSONField(_("accommodations"), default=list, blank=True)
    outside_term = models.BooleanField(_("booked outside the term"), default=False)
    # Unique by constraints below (without PostgreSQL's extra LIKE index of unique=True).
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    reference = models.CharField(_("booking reference"), max_length=20)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)
    invitation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Failed attempts of the invitation outbox; it gives up at MAX_INVITATION_ATTEMPTS.
    invitation_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    # The outbox run that claimed the invitation sends it until then (decision 0008).
    invitation_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # No e-mail address: the invitation goes by post (the outbox skips it) and the
    # planner marks the printed letter sent (scheduling/services/letters.py).
    invitation_by_post_at = models.DateTimeField(null=True, blank=True, editable=False)
    letter_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The reminder and cancellation notice of a candidate without an e-mail address go
    # by post too: routed (the mail path's mark) and posted (the planner's mark).
    reminder_by_post_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_letter_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_by_post_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_letter_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The booking this one replaced: set by reschedule_booking and by the rebooking of a
    # cancelled session, so that its invitation says the exam was moved (decision 0029).
    moved_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moved_to",
        editable=False,
    )
    identity_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )

    class Meta:
        ordering = ["session__starts_at", "candidate__family_name"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="booking_reference_unique"),
            models.UniqueConstraint(
                fields=["idempotency_key"], name="booking_idempotency_key_unique"
            ),
            models.UniqueConstraint(
                fields=["candidate", "component"],
                condition=Q(status="booked"),
                name="booking_one_pending_per_component",
            ),
            models.UniqueConstraint(
                fields=["session", "candidate"],
                condition=~Q(status__in=["cancelled", "session_cancelled"]),
                name="booking_once_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["candidate", "component", "status"]),
            # The invitation outbox (tasks.send_pending_invitations_task) reads only these.
            models.Index(
                fields=["id"],
                condition=Q(status="booked", invitation_sent_at__isnull=True),
                name="booking_invitation_outbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.component.code} #{self.attempt_number}"


class WaitingListEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a seat")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Offer expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="waiting")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey(ExamCentre, on_delete=models.PROTECT, related_name="waiting_list")
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    offered_session = models.ForeignKey(
        ExamSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "component", "centre"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waiting_once_per_component_and_centre",
            )
        ]
        indexes = [models.Index(fields=["status", "offer_expires_at"])]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.component_id} @ {self.centre_id} ({self.status})"


class IrregularityReport(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="irregularities")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("what happened"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("irregularity report")
        verbose_name_plural = _("irregularity reports")

    def __str__(self) -> str:
        return f"irregularity {self.pk} on booking {self.booking_id}"


class CalendarFeed(models.Model):
    """A secret iCalendar feed URL for a centre or an examiner."""

    # The SHA-256 of the secret in the URL (services.feed_token_digest), never the secret.
    token = models.CharField(max_length=64, unique=True)
    centre = models.ForeignKey(
        ExamCentre, on_delete=models.CASCADE, null=True, blank=True, related_name="feeds"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The secret itself, on the object create_calendar_feed returns only (never stored).
    secret: str

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(centre__isnull=False, user__isnull=True)
                | Q(centre__isnull=True, user__isnull=False),
                name="feed_for_centre_or_user",
            )
        ]

    def __str__(self) -> str:
        return f"feed {self.pk} ({'centre' if self.centre_id else 'user'})"
