"""Certificates issued per second end to end vs rendering the same PDF alone.

End to end = `issue_certificate` (lock, progress, payload, sign, database,
audit event) + render the PDF + store it (Django storage) + record it stored,
which is what `issue_certificate_task` does. Runs against a throwaway SQLite
database in a temporary VAR_DIR (or DATABASE_URL if set: use your own db).
Target: ratio >= 0.5. Usage: `.venv/bin/python bench/issue.py [N]`.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="eb-bench-issue-")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 60


def main() -> None:
    import logging

    logging.disable(logging.INFO)  # the worker log line per task is not what we measure
    call_command("migrate", verbosity=0)
    from certificates import services
    from certificates.pdf import render_certificate_pdf
    from certificates.selectors import printed_certificate
    from certificates.tasks import issue_certificate_task
    from grading.selectors import Progress, ProgressItem
    from tests.examens.factories import CandidateFactory

    items = [
        ProgressItem(code, code, code, level, "passed", 1, None, None, None)
        for code, level in [
            ("KNM", ""),
            ("LEZ", "B1"),
            ("LUI", "B1"),
            ("MAP", ""),
            ("PVT", ""),
            ("SCH", "B1"),
            ("SPR", "B1"),
        ]
    ]
    # Grading's selector is measured by grading; here it answers "complete" for free.
    services.issuing.candidate_progress = lambda candidate: Progress(
        complete=True, term_end=candidate.term_end, items=items
    )
    candidates = [CandidateFactory.create() for _ in range(N)]
    issue_certificate_task.delay(candidates[0].pk)  # warm up: key, caches, imports

    started = time.perf_counter()
    ids = [issue_certificate_task.delay(c.pk).get() for c in candidates[1:]]
    end_to_end = (N - 1) / (time.perf_counter() - started)

    from certificates.models import Certificate

    docs = [printed_certificate(c) for c in Certificate.objects.filter(pk__in=ids)]
    started = time.perf_counter()
    for doc in docs:
        render_certificate_pdf(doc)
    render_only = len(docs) / (time.perf_counter() - started)

    print(f"end to end : {end_to_end:8.1f} certificates/s ({N - 1} issued)")
    print(f"render only: {render_only:8.1f} PDFs/s")
    print(f"ratio {end_to_end / render_only:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
