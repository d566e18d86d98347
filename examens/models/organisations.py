"""Organisations, their exam centres and rooms, staff users and their memberships."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --- Organisations and places ---------------------------------------------------


class Organisation(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", _("National agency (DUO)")
        MUNICIPALITY = "municipality", _("Municipality")
        PROVIDER = "provider", _("Exam provider")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    cbs_code = models.CharField(
        _("CBS municipality code"),
        max_length=4,
        blank=True,
        default="",
        help_text=_("Four digits, e.g. 0344 for Utrecht. Municipalities only."),
    )
    contracted_by = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="providers",
        verbose_name=_("contracted by municipalities"),
        help_text=_("For providers: the municipalities whose residents they examine."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["cbs_code"], condition=~Q(cbs_code=""), name="organisation_unique_cbs_code"
            ),
            models.CheckConstraint(
                condition=Q(kind="municipality", cbs_code__regex=r"^[0-9]{4}$")
                | (~Q(kind="municipality") & Q(cbs_code="")),
                name="organisation_cbs_code_for_municipalities_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExamCentre(models.Model):
    class Kind(models.TextChoices):
        CENTRAL = "central", _("Central (DUO)")
        DECENTRALISED = "decentralised", _("Decentralised (municipal or provider)")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="centres",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("exam centre")
        verbose_name_plural = _("exam centres")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="centre_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class Room(models.Model):
    centre = models.ForeignKey(
        ExamCentre, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("centre")
    )
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveIntegerField(_("capacity"))
    step_free = models.BooleanField(_("step-free access"), default=False)
    separate_room = models.BooleanField(_("usable as separate room"), default=False)
    large_screen = models.BooleanField(_("large screen"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)

    class Meta:
        ordering = ["centre", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["centre", "name"], name="room_unique_name"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.centre.name} / {self.name}"


# --- Staff ------------------------------------------------------------------------


class User(AbstractUser):
    """A staff member. Candidates do not log in; staff act for them."""

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")


class Role(models.TextChoices):
    PLANNER = "planner", _("Planner")
    EXAMINER = "examiner", _("Examiner")
    OFFICER = "officer", _("Officer (municipal or agency)")
    ADMIN = "admin", _("Organisation admin")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # Officers only, of a municipality or the agency: exports of the at-risk list (and the
    # overview) carry the BSN of the candidates this membership sees. Set by the
    # organisation's admin through examens.services.set_bsn_export (decision 0022).
    may_export_bsn = models.BooleanField(_("may export BSNs"), default=False, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(may_export_bsn=False) | Q(role="officer"),
                name="membership_bsn_export_officers_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organisation}"
