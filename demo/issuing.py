"""The certificates part of `manage.py seed_demo`: issue for every route now complete.

Runs after the grading part. Issuing and storing the PDF is what the product's
own job does when a result is released (certificates listens to grading's
`result_released` and queues its work), so it runs as a system actor, never
as a person. Idempotent: issuing returns the live certificate when there is
one, and the PDF is stored once.
"""

from __future__ import annotations

from certificates import services
from certificates.exceptions import RouteNotComplete
from certificates.models import Certificate
from certificates.services import issue_certificate, record_certificate_stored
from certificates.storage import save_certificate_pdf
from examens.models import Candidate, User

from .world import DEMO_SYSTEM


def seed(*, users: dict[str, User], stdout) -> dict[str, int]:
    before = Certificate.objects.count()
    for candidate in Candidate.objects.select_related("route").order_by("pk"):
        if not services.candidate_progress(candidate).complete:
            continue
        try:
            certificate = issue_certificate(candidate, actor=DEMO_SYSTEM)
        except RouteNotComplete:
            continue
        if certificate.stored_at is None:
            save_certificate_pdf(certificate)
            record_certificate_stored(certificate, actor=DEMO_SYSTEM)
    created = Certificate.objects.count() - before
    return {"certificates": created} if created else {}
