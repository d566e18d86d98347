"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- Audit ----------------------------------------------------------------------------


class AuditEvent(models.Model):
    """One state change, append-only and hash-chained to the event before it in its chain.

    `hash` = SHA-256 over the previous hash of the same chain and this event's
    canonical content. Each database connection appends to a chain of its own
    so that unrelated transactions never queue behind one lock (decisions 0005
    and 0006); no two events of a chain share a predecessor (a fork is refused
    by the database); `manage.py verify_audit` recomputes them all. On
    PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    chain = models.PositiveSmallIntegerField(default=0)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # Every audited write maintains these: only indexes a query uses, declared
        # here (db_index/unique=True would add PostgreSQL LIKE indexes as well).
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action"], name="auditevent_action"),
            models.Index(fields=["chain", "-id"], name="auditevent_chain_tail"),
            # A person's last verified second factor, read by every service that asks
            # for a fresh code (examens.authz.factor_verified_at); partial, so other
            # audited writes do not maintain it.
            models.Index(
                fields=["actor", "-created_at"],
                condition=models.Q(action="examens.otp.verified"),
                name="auditevent_factor_verified",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["hash"], name="auditevent_hash_unique"),
            models.UniqueConstraint(fields=["chain", "prev_hash"], name="auditevent_no_fork"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"
