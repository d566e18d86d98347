from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Overview, at-risk list, capacity, exports, the exchange API and webhooks.

    Reads the lower apps through their selectors; writes only its own models.
    """

    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from examens.navigation import NavEntry, register

        from .capacity_access import CAPACITY_ROLES

        register(
            NavEntry(
                label=_("Capacity"),
                url_name="monitoring:capacity",
                roles=CAPACITY_ROLES,
                description=_("Demand against seats per week, and waits against the norm."),
            )
        )
