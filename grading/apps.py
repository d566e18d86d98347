from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("Grading")

    def ready(self) -> None:
        from scheduling.eligibility import register_check

        from .eligibility import (
            FIRST_PASS,
            RELEASED_SAT_ATTEMPTS,
            refuse_when_passed,
            refuse_while_result_pending,
        )

        register_check(refuse_when_passed, facts=[FIRST_PASS])
        register_check(refuse_while_result_pending, facts=[RELEASED_SAT_ATTEMPTS])

        from examens.models import Role
        from examens.navigation import NavEntry, register, register_candidate_links

        from .links import candidate_links

        register_candidate_links(candidate_links)

        register(
            NavEntry(
                label=_("Grading"),
                url_name="grading:worklist",
                roles=frozenset({Role.EXAMINER, Role.ADMIN}),
                description=_("Rate attempts, release results, sign off components."),
            )
        )
