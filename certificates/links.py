"""Links certificates adds to the registry's candidate page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Certificate
from .permissions import can_download


def candidate_links(user, candidate) -> list[tuple[str, str]]:
    """The candidate's certificates, for those who may download them."""
    links = []
    for certificate in Certificate.objects.filter(candidate=candidate).select_related(
        "route", "candidate"
    ):
        if can_download(user, certificate):
            label = _("Certificate %(serial)s (%(status)s)") % {
                "serial": certificate.serial,
                "status": certificate.get_status_display(),
            }
            links.append((label, reverse("certificates:detail", args=[certificate.pk])))
    return links
