"""Demo data for certificates: issue for every demo candidate whose route is complete.

Called by `manage.py seed_demo` after grading's demo. Idempotent: issuing
returns the live certificate when there is one, and the PDF is stored once.
"""

from __future__ import annotations

from examens.audit import SystemActor
from examens.models import Candidate

from . import services
from .exceptions import RouteNotComplete
from .models import Certificate
from .services import issue_certificate, record_certificate_stored
from .storage import save_certificate_pdf

DEMO_ACTOR = SystemActor("seed_demo")


def seed(*, users, stdout) -> dict[str, int]:
    before = Certificate.objects.count()
    for candidate in Candidate.objects.select_related("route").order_by("pk"):
        if not services.candidate_progress(candidate).complete:
            continue
        try:
            certificate = issue_certificate(candidate, actor=DEMO_ACTOR)
        except RouteNotComplete:
            continue
        if certificate.stored_at is None:
            save_certificate_pdf(certificate)
            record_certificate_stored(certificate, actor=DEMO_ACTOR)
    created = Certificate.objects.count() - before
    return {"certificates": created} if created else {}
