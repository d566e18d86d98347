from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from examens.navigation import register_candidate_links
        from grading.signals import result_corrected, result_released

        from . import receivers
        from .links import candidate_links

        register_candidate_links(candidate_links)

        result_released.connect(
            receivers.on_result_released, dispatch_uid="certificates.on_result_released"
        )
        result_corrected.connect(
            receivers.on_result_corrected, dispatch_uid="certificates.on_result_corrected"
        )
