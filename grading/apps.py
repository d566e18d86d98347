from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("Grading")

    def ready(self) -> None:
        from scheduling.eligibility import register_check

        from .eligibility import refuse_when_passed

        register_check(refuse_when_passed)
