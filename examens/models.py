"""The registry: organisations, centres, staff, candidates, the exam catalogue,
decisions and the audit trail. Every other app stands on these."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .privacy import mask_bsn


class Level(models.TextChoices):
    A0 = "A0", "A0"
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"


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

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organisation}"


# --- The exam catalogue -----------------------------------------------------------


class Regime(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)  # WI2013, WI2021
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    term_years = models.PositiveSmallIntegerField(_("term in years"), default=3)

    class Meta:
        ordering = ["code"]
        verbose_name = _("regime")
        verbose_name_plural = _("regimes")

    def __str__(self) -> str:
        return self.name_nl


class Route(models.Model):
    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="routes")
    code = models.CharField(_("code"), max_length=10)  # B1, EDU, Z, A2 (Wi2013)
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    issued_by_municipality = models.BooleanField(
        _("certificate issued by the municipality"),
        default=False,
        help_text=_("Z-route: a municipal certificate instead of a DUO diploma."),
    )

    class Meta:
        ordering = ["regime", "code"]
        verbose_name = _("learning route")
        verbose_name_plural = _("learning routes")
        constraints = [models.UniqueConstraint(fields=["regime", "code"], name="route_unique_code")]

    def __str__(self) -> str:
        return f"{self.name_nl} ({self.regime.code})"


class Component(models.Model):
    class RunBy(models.TextChoices):
        CENTRAL = "central", _("Central (DUO)")
        DECENTRALISED = "decentralised", _("Decentralised (municipality)")

    class Delivery(models.TextChoices):
        COMPUTER = "computer", _("On a computer")
        PAPER = "paper", _("On paper")
        PRACTICAL = "practical", _("Practical trajectory")
        INTERVIEW = "interview", _("Interview")
        PORTFOLIO = "portfolio", _("Portfolio")

    class Assessment(models.TextChoices):
        MACHINE_SCORED = "machine", _("Machine-scored")
        RATED = "rated", _("Rated by examiners")
        SIGN_OFF = "sign_off", _("Signed off (completed or not)")

    code = models.CharField(_("code"), max_length=10, unique=True)
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    run_by = models.CharField(_("run by"), max_length=20, choices=RunBy.choices)
    delivery = models.CharField(_("delivery mode"), max_length=20, choices=Delivery.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=0)
    assessment = models.CharField(_("assessment"), max_length=20, choices=Assessment.choices)
    fee_cents = models.PositiveIntegerField(_("fee per attempt (cents)"), default=0)
    raters_required = models.PositiveSmallIntegerField(_("independent raters"), default=0)
    rating_tolerance = models.PositiveSmallIntegerField(
        _("rating tolerance (raw points)"),
        default=0,
        help_text=_("Ratings further apart than this go to a third rater."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("exam component")
        verbose_name_plural = _("exam components")

    def __str__(self) -> str:
        return f"{self.code} {self.name_nl}"

    @property
    def is_scored(self) -> bool:
        return self.assessment != self.Assessment.SIGN_OFF


class RouteRequirement(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="requirements")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    optional = models.BooleanField(_("optional"), default=False)
    step_down_level = models.CharField(
        _("level after step-down"),
        max_length=2,
        choices=Level.choices,
        blank=True,
        help_text=_("Empty when a step-down is not possible for this component."),
    )

    class Meta:
        ordering = ["route", "component__code"]
        verbose_name = _("route requirement")
        verbose_name_plural = _("route requirements")
        constraints = [
            models.UniqueConstraint(fields=["route", "component"], name="requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.route.code}: {self.component.code} {self.level}".strip()


class ExamVersion(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="versions")
    level = models.CharField(
        _("level"),
        max_length=2,
        choices=Level.choices,
        blank=True,
        help_text=_("Empty for components without a language level, such as KNM."),
    )
    code = models.CharField(_("version code"), max_length=30)
    max_raw_score = models.PositiveIntegerField(_("maximum raw score"))
    cutoff_raw = models.PositiveIntegerField(
        _("raw cut-off (cesuur)"),
        null=True,
        blank=True,
        help_text=_("Lowest raw score that passes. Leave empty when a conversion table is used."),
    )
    conversion_table = models.JSONField(
        _("raw-to-scale table"),
        null=True,
        blank=True,
        help_text=_('Scale score for every raw score 0..max, e.g. {"0": 100, ..., "40": 900}.'),
    )
    pass_scale_score = models.PositiveIntegerField(
        _("scale score that passes"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["component__code", "level", "code"]
        verbose_name = _("exam version")
        verbose_name_plural = _("exam versions")
        constraints = [
            models.UniqueConstraint(fields=["component", "code"], name="version_unique_code"),
            models.CheckConstraint(
                condition=Q(cutoff_raw__isnull=True) | Q(cutoff_raw__lte=models.F("max_raw_score")),
                name="version_cutoff_within_max",
            ),
            models.CheckConstraint(
                condition=Q(cutoff_raw__isnull=False)
                | Q(conversion_table__isnull=False, pass_scale_score__isnull=False),
                name="version_has_cutoff_or_table",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component.code} {self.level} {self.code}"


# --- Candidates and decisions ------------------------------------------------------


class Candidate(models.Model):
    """A person obliged to integrate. Identified by BSN, which is never shown in full."""

    bsn = models.CharField(_("BSN"), max_length=9, unique=True, editable=False)
    given_names = models.CharField(_("given names"), max_length=200)
    family_name = models.CharField(_("family name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="nl"
    )
    municipality = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="residents",
        limit_choices_to={"kind": Organisation.Kind.MUNICIPALITY},
        verbose_name=_("municipality of residence"),
    )
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="candidates")
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"), editable=False)
    is_asylum_migrant = models.BooleanField(
        _("asylum migrant"),
        default=False,
        help_text=_("The municipality pays the first two attempts per component."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_names"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")), name="candidate_term_ordered"
            ),
            models.CheckConstraint(
                condition=Q(bsn__regex=r"^[0-9]{9}$"), name="candidate_bsn_nine_digits"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "family_name"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.masked_bsn})"

    def __repr__(self) -> str:
        return f"<Candidate {self.pk}: {self.masked_bsn}>"

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    @property
    def masked_bsn(self) -> str:
        return mask_bsn(self.bsn)

    @property
    def regime(self) -> Regime:
        return self.route.regime


class Accommodation(models.TextChoices):
    EXTENDED_TIME = "extended_time", _("Extended time")
    LARGE_PRINT = "large_print", _("Large print")
    LARGE_SCREEN = "large_screen", _("Large screen")
    SEPARATE_ROOM = "separate_room", _("Separate room")
    INTERRUPTED_SITTING = "interrupted_sitting", _("Interrupted sitting")
    ADAPTED_SCHEDULING = "adapted_scheduling", _("Adapted scheduling")
    ASSISTANCE = "assistance", _("Exam assistance")
    STEP_FREE = "step_free", _("Step-free access")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")


class Decision(models.Model):
    """A recorded decision about a candidate. Withdrawn, never deleted."""

    class Kind(models.TextChoices):
        EXEMPTION = "exemption", _("Exemption")
        STEP_DOWN = "step_down", _("Step-down to a lower level")
        TERM_EXTENSION = "term_extension", _("Term extension")
        ACCOMMODATION = "accommodation", _("Accommodation needs")

    class Ground(models.TextChoices):
        MEDICAL = "medical", _("Medical (ontheffing)")
        DIPLOMA = "diploma", _("By diploma (vrijstelling)")
        NOT_TO_BLAME = "not_to_blame", _("Not to blame")
        EFFORT = "effort", _("Considerable effort")
        LATE_RESULT = "late_result", _("Late result")
        OTHER = "other", _("Other")

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ground = models.CharField(_("ground"), max_length=20, choices=Ground.choices, blank=True)
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for an exemption of the whole obligation."),
    )
    level = models.CharField(
        _("level after step-down"), max_length=2, choices=Level.choices, blank=True
    )
    extension_days = models.PositiveIntegerField(_("extension (days)"), null=True, blank=True)
    extra_minutes = models.PositiveSmallIntegerField(_("extra minutes"), null=True, blank=True)
    needs = models.JSONField(_("accommodation needs"), default=list, blank=True)
    decided_on = models.DateField(_("decided on"), default=timezone.localdate)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_for = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deciding organisation"),
    )
    reason = models.TextField(_("reason"))
    evidence_reference = models.CharField(_("evidence reference"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="step_down") | (Q(component__isnull=False) & ~Q(level="")),
                name="decision_step_down_has_component_and_level",
            ),
            models.CheckConstraint(
                condition=~Q(kind="term_extension") | Q(extension_days__gte=1),
                name="decision_extension_has_days",
            ),
            models.CheckConstraint(
                condition=~Q(kind="exemption") | Q(ground__in=["medical", "diploma"]),
                name="decision_exemption_has_ground",
            ),
        ]

    def __str__(self) -> str:
        target = self.component.code if self.component_id else _("whole")
        return f"{self.get_kind_display()} {target} ({self.decided_on})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


# --- Machine clients ------------------------------------------------------------------


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
        ]
        constraints = [
            models.UniqueConstraint(fields=["hash"], name="auditevent_hash_unique"),
            models.UniqueConstraint(fields=["chain", "prev_hash"], name="auditevent_no_fork"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"
