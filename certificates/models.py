"""Certificates and the keys that sign them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from examens.models import Candidate, Route


class SigningKey(models.Model):
    """An Ed25519 key pair: the public half here, the private half in a file.

    A key signs certificates from `valid_from` until `valid_until` (empty:
    the current key). Certificates signed inside that window keep verifying
    after rotation; a certificate dated outside it is refused.
    """

    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    public_key = models.CharField(_("public key (base64url, raw)"), max_length=64, unique=True)
    private_key_file = models.CharField(_("private key file"), max_length=500)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_from", "pk"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="signing_key_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.key_id


class Certificate(models.Model):
    """One certificate of a candidate for a route. Revoked or suspended, never deleted.

    At most one non-revoked certificate per candidate and route (see
    docs/decisions/0004-certificate-reissue-after-revocation.md): a revoked
    one stays as history and in the status list, and a later pass issues a
    new certificate with a new serial.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    # Why a certificate is suspended or revoked, as verifiers see it: a code with its
    # label in Dutch and English (certificates.verification.REASON_LABELS holds the same
    # labels for the offline verifier). The free text `status_reason` stays internal.
    class ReasonCode(models.TextChoices):
        UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
        RESULT_CORRECTED = "result_corrected", _("A result was corrected")
        REPLACED = "replaced", _("Replaced by a new certificate")
        ISSUED_IN_ERROR = "issued_in_error", _("Issued in error")
        FRAUD = "fraud", _("Fraud established")
        OTHER = "other", _("Other reason")

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="certificates")
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(_("serial number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.VALID
    )
    status_reason_code = models.CharField(
        _("reason code (shown to verifiers)"),
        max_length=32,
        choices=ReasonCode.choices,
        blank=True,
        default="",
    )
    status_reason = models.TextField(_("reason for the status (internal)"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+")
    payload = models.TextField(_("signed payload"))
    storage_key = models.CharField(_("storage key"), max_length=200, unique=True)
    stored_at = models.DateTimeField(_("PDF stored at"), null=True, blank=True)
    issued_on = models.DateField(_("issue date"))
    issued_at = models.DateTimeField(_("issued at"))
    verification_count = models.PositiveIntegerField(_("times verified"), default=0)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "route"],
                condition=~Q(status="revoked"),
                name="certificate_one_live_per_candidate_route",
            ),
            models.CheckConstraint(
                condition=Q(status="valid") | (~Q(status_reason="") & ~Q(status_reason_code="")),
                name="certificate_reason_when_not_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], condition=~Q(status="valid"), name="cert_nonvalid")
        ]

    def __str__(self) -> str:
        return self.serial


# Which codes a person may choose for each change (the system also revokes as
# `replaced` and `result_corrected`).
SUSPEND_REASONS = (Certificate.ReasonCode.UNDER_INVESTIGATION, Certificate.ReasonCode.OTHER)
REVOKE_REASONS = (
    Certificate.ReasonCode.ISSUED_IN_ERROR,
    Certificate.ReasonCode.FRAUD,
    Certificate.ReasonCode.RESULT_CORRECTED,
    Certificate.ReasonCode.OTHER,
)


class IssuingSweep(models.Model):
    """How far the certificate sweep has checked released results: one row per sweep.

    Bookkeeping of a periodic job, not domain data:
    `certificates.tasks.complete_pending_certificates_task` checks every
    passing result released after `checked_until` (up to its grace period ago)
    and then moves the mark on, through `advance_issuing_sweep`. A mark in the
    database, not on the broker, so that a lost message loses nothing
    (docs/decisions/0013-task-delivery.md).
    """

    name = models.CharField(max_length=40, unique=True)
    checked_until = models.DateTimeField(_("checked until"))

    class Meta:
        verbose_name = _("issuing sweep")
        verbose_name_plural = _("issuing sweeps")

    def __str__(self) -> str:
        return f"{self.name}: {self.checked_until:%Y-%m-%d %H:%M}"
