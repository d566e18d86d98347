"""Links grading adds to the registry's candidate page."""

from django.urls import reverse
from django.utils.translation import gettext as _


def candidate_links(user, candidate) -> list[tuple[str, str]]:
    """Everyone who may see the candidate may see their progress (the view re-checks)."""
    return [(_("Progress and results"), reverse("grading:progress", args=[candidate.pk]))]
