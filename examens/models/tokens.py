"""Scoped API tokens of machine clients."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .organisations import Organisation

# --- Machine clients ------------------------------------------------------------------


class ApiScope(models.TextChoices):
    """What a token may do: each API view names the one scope it needs
    (`required_scope`, `required_write_scope`). The admin's token form and the
    operator's create_api_token command offer these and no others."""

    CATALOGUE_READ = "catalogue:read", _("Read the exam catalogue")
    SESSIONS_READ = "sessions:read", _("Read exam sessions")
    BOOKINGS_READ = "bookings:read", _("Read bookings")
    BOOKINGS_WRITE = "bookings:write", _("Book and cancel")
    RESULTS_READ = "results:read", _("Read results")
    RESULTS_WRITE = "results:write", _("Import machine-scored results")
    CAPACITY_READ = "capacity:read", _("Read capacity")
    PROGRESS_READ = "progress:read", _("Read candidates' progress")
    CERTIFICATES_READ = "certificates:read", _("Read certificates")


KNOWN_SCOPES = frozenset(ApiScope.values)


class ApiToken(models.Model):
    """A scoped token for a machine client (a municipal system, a result feed).

    Only a SHA-256 hash of the secret is stored; the secret is shown once.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
