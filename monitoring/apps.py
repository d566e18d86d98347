from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Overview, at-risk list, capacity, exports, the exchange API and webhooks.

    Reads the lower apps through their selectors; writes only its own models.
    """

    name = "monitoring"
    verbose_name = _("Monitoring")
