from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamensConfig(AppConfig):
    name = "examens"
    verbose_name = _("Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, passkeys, signals  # noqa: F401  (passkeys: its pyasn1 handler)
        from .models import Role
        from .navigation import NavEntry, register

        register(
            NavEntry(
                label=_("API tokens"),
                url_name="examens:token-list",
                roles=frozenset({Role.ADMIN}),
                description=_("Give your own systems a scoped token for the API, or revoke one."),
            )
        )
