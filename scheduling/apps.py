from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self) -> None:
        from examens.models import Role
        from examens.navigation import NavEntry, register

        register(
            NavEntry(
                label=_("Planning"),
                url_name="scheduling:week",
                roles=frozenset({Role.PLANNER, Role.ADMIN, Role.EXAMINER}),
                description=_("Exam sessions, bookings, waiting lists and check-in."),
            )
        )
