"""The certificates part of `manage.py seed_demo`: issue for every route now complete.

Runs after the grading part. Issuing and storing the PDF is what the product's
own job does when a result is released (certificates listens to grading's
`result_released` and queues its work), so it runs as a system actor, never
as a person. Idempotent: issuing returns the live certificate when there is
one, and the PDF is stored once.

The PDF's QR code is the verification URL under SITE_URL (`seed_demo --base-url`,
`make run HOST=... PORT=...`). A stored PDF whose QR code points to another address
(the demo seeded for another port before) is rendered again for this one; with the
same address nothing is written.
"""

from __future__ import annotations

from certificates import services
from certificates.exceptions import RouteNotComplete
from certificates.models import Certificate
from certificates.pdf import url_from_pdf
from certificates.selectors import verification_url
from certificates.services import issue_certificate, record_certificate_stored
from certificates.storage import open_certificate_pdf, save_certificate_pdf
from examens.models import Candidate, User

from .world import DEMO_SYSTEM

REPOINTED = "certificate PDFs pointed at this address"


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
    created = {"certificates": Certificate.objects.count() - before, REPOINTED: _repoint()}
    return {what: count for what, count in created.items() if count}


def _repoint() -> int:
    """Render again the stored PDFs whose QR code points to another address; how many."""
    repointed = 0
    for certificate in Certificate.objects.filter(stored_at__isnull=False).order_by("pk"):
        if url_from_pdf(open_certificate_pdf(certificate)) != verification_url(certificate.payload):
            save_certificate_pdf(certificate)
            repointed += 1
    return repointed
