from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Overview, at-risk list, capacity, exports, the exchange API and webhooks.

    Reads the lower apps through their selectors; writes only its own models.
    """

    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from certificates.signals import certificate_changed
        from examens.models import Role
        from examens.navigation import AT_RISK_SLOT, NavEntry, register, register_home_link
        from grading.signals import result_corrected, result_released
        from scheduling.signals import booking_changed

        from . import webhook_receivers as hooks
        from .at_risk import AT_RISK_ROLES
        from .capacity_access import CAPACITY_ROLES
        from .overview import OVERVIEW_ROLES, may_see_national, overview_municipalities

        result_released.connect(hooks.on_result_released, dispatch_uid="monitoring.webhooks.rr")
        result_corrected.connect(hooks.on_result_corrected, dispatch_uid="monitoring.webhooks.rc")
        certificate_changed.connect(
            hooks.on_certificate_changed, dispatch_uid="monitoring.webhooks.cert"
        )
        booking_changed.connect(hooks.on_booking_changed, dispatch_uid="monitoring.webhooks.bk")
        register(
            NavEntry(
                label=_("Webhooks"),
                url_name="monitoring:webhook-list",
                roles=frozenset({Role.ADMIN}),
                description=_(
                    "Tell your own systems when results, certificates and bookings change."
                ),
            )
        )
        register(
            NavEntry(
                label=_("Capacity"),
                url_name="monitoring:capacity",
                roles=CAPACITY_ROLES,
                description=_("Demand against seats per week, and waits against the norm."),
            )
        )
        at_risk = NavEntry(
            label=_("At-risk list"),
            url_name="monitoring:at-risk",
            roles=AT_RISK_ROLES,
            description=_(
                "Candidates whose term ends soon or has ended with requirements outstanding, "
                "who have not sat an exam for a while or failed several times in a row."
            ),
        )
        register(at_risk)
        register_home_link(AT_RISK_SLOT, at_risk)
        register(
            NavEntry(
                label=_("Overview"),
                url_name="monitoring:overview",
                roles=OVERVIEW_ROLES,
                # A municipality's own residents: the agency's officers have the
                # national view instead.
                allowed=lambda user: overview_municipalities(user).exists(),
                description=_("Your residents by cohort and status, with the indicators."),
            )
        )
        register(
            NavEntry(
                label=_("National view"),
                url_name="monitoring:national",
                roles=OVERVIEW_ROLES,
                description=_("Every municipality by status (agency; small counts hidden)."),
                allowed=may_see_national,
            )
        )
