"""Fixtures for certificates: a private key directory, local storage, a stand-in for grading."""

import datetime

import pytest

from grading.selectors import Progress, ProgressItem
from tests.examens.factories import CandidateFactory

B1_ITEMS = [
    ("KNM", "Kennis Nederlandse Maatschappij", "Knowledge of Dutch society", "", "passed"),
    ("LEZ", "Lezen", "Reading", "B1", "passed"),
    ("LUI", "Luisteren", "Listening", "B1", "passed"),
    ("MAP", "Module Arbeidsmarkt en Participatie", "Labour market", "", "passed"),
    ("PVT", "Participatieverklaringstraject", "Participation declaration", "", "passed"),
    ("SCH", "Schrijven", "Writing", "A2", "stepped_down_passed"),
    ("SPR", "Spreken", "Speaking", "B1", "exempted"),
]


def make_progress(*, complete: bool = True, overrides: dict | None = None) -> Progress:
    overrides = overrides or {}
    items = []
    for code, nl, en, level, status in B1_ITEMS:
        status = overrides.get(code, status)
        items.append(
            ProgressItem(
                component_code=code,
                component_name_nl=nl,
                component_name_en=en,
                level=level,
                status=status,
                attempts_used=1,
                result_id=None,
                scale_score=None,
                passed_on=datetime.date(2026, 1, 10) if status != "outstanding" else None,
            )
        )
    return Progress(complete=complete, term_end=datetime.date(2028, 1, 15), items=items)


class FakeGrading:
    """What grading's progress selector answers, per candidate id (default: complete)."""

    def __init__(self):
        self.by_candidate: dict[int, Progress] = {}

    def __call__(self, candidate):
        return self.by_candidate.get(candidate.pk, make_progress())

    def set(self, candidate, progress: Progress) -> None:
        self.by_candidate[candidate.pk] = progress


_buckets_seen: set[str] = set()


def s3_client(options: dict):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=options["endpoint_url"],
        region_name=options["region_name"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
    )


def ensure_bucket(options: dict) -> None:
    """Create the test bucket on the S3 server (moto over HTTP) when it is missing."""
    bucket = options["bucket_name"]
    if bucket in _buckets_seen:
        return
    s3 = s3_client(options)
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": options["region_name"]}
        )
    _buckets_seen.add(bucket)


@pytest.fixture(autouse=True)
def key_and_file_storage(settings, tmp_path, monkeypatch):
    settings.CERTIFICATE_SIGNING_KEY_DIR = str(tmp_path / "keys")
    settings.CERTIFICATE_SIGNING_KEY_FILE = ""
    if settings.AWS_STORAGE_BUCKET_NAME:
        ensure_bucket(settings.STORAGES["default"]["OPTIONS"])
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path / "media")},
            },
        }
    settings.SITE_URL = "https://examens.example.nl"
    from django.core.cache import cache

    from certificates.selectors import forget_published_keys

    cache.clear()
    forget_published_keys()
    monkeypatch.setattr("certificates.selectors._last_refresh", 0.0)
    return


@pytest.fixture
def grading(monkeypatch):
    fake = FakeGrading()
    monkeypatch.setattr("certificates.services.candidate_progress", fake)
    return fake


@pytest.fixture
def candidate(db):
    return CandidateFactory(
        given_names="Amira", family_name="Haddad", date_of_birth=datetime.date(1990, 5, 17)
    )
