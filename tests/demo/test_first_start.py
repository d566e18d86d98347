"""What `make run` shows first: a short console, mail in files, work waiting, QR codes
that point to the address the server runs on."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from certificates.pdf import url_from_pdf
from certificates.storage import open_certificate_pdf
from demo.results import EXAMINERS
from demo.waiting import rated_before
from demo.world import STAFF
from examens.models import Candidate, User
from grading.models import Rating
from monitoring import overview_rules as rules
from monitoring.overview import status_counts
from scheduling.models import Booking
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def seed(*flags: str, candidates: int = 60) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--candidates", str(candidates), *flags, stdout=out)
    return out.getvalue()


def all_row_counts() -> dict[str, int]:
    models = apps.get_models(include_auto_created=True)
    return {model._meta.db_table: model._base_manager.count() for model in models}


def test_development_settings_write_mail_to_files_under_var_dir(tmp_path):
    """Under DEBUG (no env set, as `make run`) mail goes to VAR_DIR/mail, not the console."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_PROFILE", "DJANGO_DEBUG", "EMAIL_BACKEND", "EMAIL_FILE_PATH"}
    }
    env.update(VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert done.stdout.split() == ["True", FILE_BACKEND, str(tmp_path / "var" / "mail")]


def test_seed_demo_writes_mail_under_var_dir_and_prints_only_summary_and_logins(
    settings, capsys, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(settings.VAR_DIR / "mail")

    with django_capture_on_commit_callbacks(execute=True):  # the mail leaves after commit
        output = seed()

    files = list((Path(settings.VAR_DIR) / "mail").iterdir())
    assert files
    mail = "\n".join(path.read_text(encoding="utf-8") for path in files)
    assert mail.count("Subject:") > 10
    captured = capsys.readouterr()
    for printed in (output, captured.out, captured.err):
        assert "Subject:" not in printed
    # The summary, where mail and QR codes go, the login table and its notes.
    assert len(output.splitlines()) <= len(STAFF) + 10
    assert f"files in {settings.EMAIL_FILE_PATH}" in output


def test_every_demo_examiner_finds_attempts_waiting_after_seeding(client):
    seed(candidates=120)

    for username in EXAMINERS:
        examiner = User.objects.get(username=username)
        login_verified(client, examiner)
        page = client.get("/beoordeling/").content.decode()
        assert page.count("/beoordelen/") >= 2, username
        client.logout()
    waiting = Booking.objects.filter(
        session__starts_at__gte=rated_before(), status=Booking.Status.CHECKED_IN
    )
    ratings = {booking.pk: booking.ratings.count() for booking in waiting}
    assert 0 in ratings.values()  # nobody has rated yet
    assert 1 in ratings.values()  # one blind rating in: a second rater is needed
    assert set(ratings.values()) <= {0, 1}
    assert not waiting.filter(results__isnull=False).exists()
    second = User.objects.get(username="examinator2.duo")
    login_verified(client, second)
    rated_once = Rating.objects.filter(booking__in=waiting).values_list("booking", flat=True)
    page = client.get("/beoordeling/").content.decode()
    assert any(Booking.objects.get(pk=pk).reference in page for pk in rated_once)


def test_certificate_qr_codes_follow_the_base_url_and_a_new_one_repoints_them():
    output = seed("--base-url", "http://127.0.0.1:8123/")

    certificates = list(Certificate.objects.all())
    assert certificates
    assert "http://127.0.0.1:8123/" in output
    for certificate in certificates:
        path = reverse("certificates:verify", args=[certificate.payload])
        assert url_from_pdf(open_certificate_pdf(certificate)) == "http://127.0.0.1:8123" + path

    before = all_row_counts()
    moved = seed("--base-url", "http://localhost:9000")

    assert f"{len(certificates)} certificate PDFs pointed at this address" in moved
    assert all_row_counts() == before
    for certificate in certificates:
        path = reverse("certificates:verify", args=[certificate.payload])
        assert url_from_pdf(open_certificate_pdf(certificate)) == "http://localhost:9000" + path
    assert "Nothing to create" in seed("--base-url", "http://localhost:9000")


@pytest.mark.parametrize(
    "base_url",
    ["127.0.0.1:8000", "ftp://127.0.0.1", "http://", "http://127.0.0.1:8000/demo", "http://h:x"],
)
def test_seed_demo_refuses_a_base_url_that_is_not_an_address(base_url):
    before = all_row_counts()

    with pytest.raises(CommandError, match="--base-url"):
        seed("--base-url", base_url)

    assert all_row_counts() == before


def test_seed_demo_second_run_changes_no_row_in_any_table():
    seed(candidates=120)
    before = all_row_counts()

    output = seed(candidates=120)

    assert "Nothing to create" in output
    assert all_row_counts() == before


def test_overview_has_cohorts_since_2013_in_both_regimes_with_every_status(client):
    seed(candidates=120)
    today = timezone.localdate()

    rows = status_counts(Candidate.objects.all(), by=["cohort", "regime", "asylum"], today=today)

    assert min(row[0] for row in rows) == 2013
    assert {row[0] for row in rows} >= set(range(2013, 2027))
    assert {row[1] for row in rows} == {"WI2013", "WI2021"}
    assert {row[2] for row in rows} == {True, False}
    assert {row[3] for row in rows} == set(rules.STATUSES)
    for regime in ("WI2013", "WI2021"):
        statuses = {row[3] for row in rows if row[1] == regime}
        assert {rules.COMPLETED, rules.EXEMPTED, rules.EXPIRED} <= statuses, regime
    officer = User.objects.get(username="ambtenaar.utrecht")
    login_verified(client, officer)
    assert client.get("/monitoring/overview/").status_code == 200
    at_risk = client.get("/monitoring/at-risk/")
    assert at_risk.status_code == 200
    utrecht_at_risk = [
        row
        for row in status_counts(
            Candidate.objects.filter(municipality__name="Utrecht"), by=["cohort"], today=today
        )
        if row[1] == rules.AT_RISK
    ]
    assert utrecht_at_risk
