"""Fixtures for certificates: a private key directory, local storage, and a candidate's
real grading state, built through grading's and the registry's services."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import Component, Decision, ExamVersion, Role, User
from examens.services import record_decision, withdraw_decision
from grading.models import ExaminerQualification, Result
from grading.services import correct_result, release_result, sign_off_component
from grading.services.results import create_scored_draft
from tests.conftest import fresh_factor
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    MembershipFactory,
    RoomFactory,
    component,
)
from tests.grading.factories import BookingFactory, SessionFactory, examiner


class Grading:
    """Makes a candidate's route complete, or breaks it, the way the product does.

    Results are scored and released through grading's services, decentralised
    components signed off by a qualified examiner, exemptions and step-downs
    recorded by an agency officer; certificates then reads grading's own
    `candidate_progress`. The default B1 state prints every outcome kind:
    KNM, LEZ, LUI passed; MAP, PVT signed off; SCH stepped down to A2 and
    passed there; SPR exempted.
    """

    def __init__(self):
        self.officer = MembershipFactory(organisation=AgencyFactory(), role=Role.OFFICER).user
        self.room = RoomFactory()
        self.examiners: dict[int, User] = {}
        self.results: dict[tuple[int, str], Result] = {}
        self.decisions: dict[tuple[int, str], Decision] = {}

    def examiner(self, organisation, code: str, level: str = "") -> User:
        """One examiner per organisation, qualified for each component it is asked for."""
        user = self.examiners.get(organisation.pk)
        if user is None:
            user = self.examiners[organisation.pk] = fresh_factor(
                examiner(organisation, components=())
            )
        today = timezone.localdate()
        ExaminerQualification.objects.get_or_create(
            user=user,
            component=component(code),
            level=level,
            organisation=organisation,
            defaults={
                "valid_from": today - datetime.timedelta(days=365),
                "valid_until": today + datetime.timedelta(days=365),
            },
        )
        return user

    def complete(self, candidate, *, skip: tuple[str, ...] = ()) -> None:
        """Meet every requirement of the candidate's route except those in `skip`."""
        b1 = candidate.route.code == "B1"
        for requirement in candidate.route.requirements.select_related("component"):
            code = requirement.component.code
            if code in skip:
                continue
            if b1 and code == "SPR":
                self.decide(candidate, Decision.Kind.EXEMPTION, code, ground="medical")
            elif b1 and code == "SCH":
                self.decide(candidate, Decision.Kind.STEP_DOWN, code, level="A2")
                self.pass_component(candidate, code, level="A2")
            elif requirement.component.assessment == Component.Assessment.SIGN_OFF:
                self.sign_off(candidate, code)
            else:
                self.pass_component(candidate, code, level=requirement.level)

    def pass_component(self, candidate, code: str, *, level: str = "") -> Result:
        """A sitting of an active version at `level`, scored full marks and released."""
        version = ExamVersion.objects.get(
            component__code=code, level=level or "", status=ExamVersion.Status.ACTIVE
        )
        session = SessionFactory(exam_version=version, room=self.room)
        booking = BookingFactory(candidate=candidate, session=session)
        with transaction.atomic():
            draft = create_scored_draft(
                booking, actor=SYSTEM, raw=version.max_raw_score, source="test"
            )
        releaser = self.examiner(self.room.centre.organisation, code, version.level)
        result = release_result(draft, actor=releaser)
        self.results[(candidate.pk, code)] = result
        return result

    def correct(self, candidate, code: str, *, passed: bool) -> Result:
        """Correct the candidate's current result for `code` into a fail or a full pass."""
        result = self.results[(candidate.pk, code)]
        version = result.booking.session.exam_version
        corrector = self.examiner(self.room.centre.organisation, code, version.level)
        corrected = correct_result(
            result,
            actor=corrector,
            reason="wrong key" if not passed else "key restored",
            raw_score=version.max_raw_score if passed else 0,
        )
        self.results[(candidate.pk, code)] = corrected
        return corrected

    def sign_off(self, candidate, code: str):
        user = self.examiner(candidate.municipality, code)
        today = timezone.localdate()
        return sign_off_component(
            candidate,
            actor=user,
            component=component(code),
            completed=True,
            evidence={
                "hours": 40,
                "started_on": (today - datetime.timedelta(days=60)).isoformat(),
                "ended_on": today.isoformat(),
                "declaration_reference": "PV-1",
            },
        )

    def decide(self, candidate, kind: str, code: str, **kwargs) -> Decision:
        decision = record_decision(
            candidate,
            actor=self.officer,
            organisation=self.officer.memberships.get().organisation,
            kind=kind,
            reason="test",
            component=component(code),
            **kwargs,
        )
        self.decisions[(candidate.pk, code)] = decision
        return decision

    def withdraw(self, candidate, code: str) -> None:
        withdraw_decision(self.decisions.pop((candidate.pk, code)), actor=self.officer, reason="t")


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
def grading(db):
    return Grading()


@pytest.fixture
def candidate(db):
    return CandidateFactory(
        given_names="Amira", family_name="Haddad", date_of_birth=datetime.date(1990, 5, 17)
    )
