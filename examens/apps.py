from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamensConfig(AppConfig):
    name = "examens"
    verbose_name = _("Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401
