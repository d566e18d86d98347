"""Every public service refuses an actor without the right (examens.authz).

The services are enumerated from their modules: a new public service fails
`test_every_public_service_has_a_case` until it gets a case here (or an
exemption with its reason). Each case calls the service with an actor of the
wrong role, with an actor of another organisation holding every role, and
(unless it is a job's service) with the system actor, and expects
NotPermitted with nothing written. Job services refuse every person instead.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.utils import timezone

from certificates.models import Certificate
from examens.audit import SYSTEM
from examens.authz import JOB_SERVICES, ClientActor
from examens.exceptions import NotPermitted
from examens.models import ApiToken, AuditEvent, Decision, Membership, Organisation, Role
from grading.models import ExaminerQualification, Result
from monitoring.webhook_http import Answer
from monitoring.webhook_models import WebhookDelivery, WebhookEndpoint
from scheduling.models import CalendarFeed, WaitingListEntry
from tests.conftest import fresh_factor
from tests.examens.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    add_totp_device,
    component,
)
from tests.grading.factories import BookingFactory, examiner

SERVICE_PACKAGES = (
    "examens.services",
    "examens.twofactor",
    "scheduling.services",
    "grading.services",
    "certificates.services",
    "monitoring.services",
)

# Public functions of the service modules that are not services a person or job calls.
EXEMPT = {
    "add_years": "pure date arithmetic",
    "normalise_bsn": "pure validation",
    "hash_api_key": "pure digest",
    "wait_message": "pure text",
    "has_confirmed_totp": "read",
    "pending_totp_device": "read",
    "totp_device_for_user": "read gate (404)",
    "backup_codes_remaining": "read",
    "can_remove_device": "read: whether remove_device would take it (the page that asks)",
    "verify_second_factor": "authentication: it establishes who acts",
    "normalise_token": "pure",
    "book_locked": "internal: under the lock of a service that authorised its actor",
    "cancel_locked": "internal: under the lock of a service that authorised its actor",
    "offer_freed_seat": "internal: called under the lock by services that authorised",
    "offer_seat": "internal: runs after the commit of a service that authorised its actor",
    "queue_invitation": "internal: after the commit of book_candidate, which authorised",
    "pending_invitations": "read",
    "unreachable_by_mail": "read",
    "letters_due": "read: narrows a queryset the caller already gated",
    "describe_letters": "read: the kinds of bookings letters_due returned",
    "letter_kind": "read: which letter a booking is due",
    "announced_predecessor": "read: the booking a move replaced",
    "route_by_post_locked": "internal: under the lock of a service that authorised its actor",
    "record_api_token_use": "a usage stamp of the token that authenticated the request",
    "feed_token_digest": "pure digest",
    "import_limits": "read: the configured size limits of an import",
    "next_rating_kind": "pure rule",
    "sat_on": "pure",
    "score_for_version": "pure scoring",
    "outcome_for": "pure",
    "create_scored_draft": "internal: in the transaction of record_rating or an import",
    "release_locked": "internal: under the lock of a service that authorised its actor",
    "candidate_progress": "read",
    "new_serial": "pure",
    "storage_key_for": "pure",
    "issuer_for": "pure",
    "count_verification": "anonymous scan counter: cache only, no actor by design",
    "entitled_endpoints": "read: the endpoints an event goes to",
    "due_webhook_deliveries": "read",
    "may_change_at_risk_rules": "read: the predicate update_at_risk_rule checks",
    "may_export_at_risk": "read: the predicate record_at_risk_export checks",
    "bsn_export_municipalities": "read: whose BSNs an officer may export",
}


def public_services() -> dict[str, Callable]:
    found: dict[str, Callable] = {}
    for package_name in SERVICE_PACKAGES:
        package = importlib.import_module(package_name)
        modules = [package]
        if hasattr(package, "__path__"):
            for info in pkgutil.iter_modules(package.__path__):
                if not info.name.startswith("_"):
                    modules.append(importlib.import_module(f"{package_name}.{info.name}"))
        for module in modules:
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ == module.__name__ and not name.startswith("_"):
                    found[name] = function
    return found


@pytest.fixture
def world(db):
    booking = BookingFactory()
    session = booking.session
    home = session.centre.organisation
    candidate = booking.candidate
    candidate.municipality = home
    candidate.save(update_fields=["municipality"])
    other = OrganisationFactory()
    w = SimpleNamespace(home=home, other=other, booking=booking, session=session)
    w.candidate = candidate
    w.centre = session.centre
    w.version = session.exam_version
    w.result = Result.objects.create(
        candidate=candidate,
        component_id=booking.component_id,
        level=booking.level,
        booking=booking,
        exam_version=w.version,
        outcome=Result.Outcome.PASSED,
        raw_score=30,
        scale_score=500,
        sat_on=timezone.localdate(),
    )
    w.decision = Decision.objects.create(
        candidate=candidate,
        kind=Decision.Kind.ACCOMMODATION,
        needs=["large_screen"],
        decided_on=timezone.localdate(),
        decided_for=home,
        decided_by=UserFactory(),
        reason="test",
    )
    w.membership = MembershipFactory(organisation=home, role=Role.PLANNER)
    w.examiner = examiner(home)
    w.qualification = ExaminerQualification.objects.get(user=w.examiner)
    w.feed = CalendarFeed.objects.create(centre=w.centre, token="x" * 64)
    w.entry = WaitingListEntry.objects.create(
        candidate=candidate, component_id=booking.component_id, centre=w.centre
    )
    w.certificate = Certificate(candidate=candidate, route=candidate.route, serial="X")
    w.token = ApiToken.objects.create(
        organisation=home,
        name="t",
        prefix="abcd",
        key_hash="h",
        scopes=[],
        created_by=UserFactory(),
    )
    w.endpoint = WebhookEndpoint.objects.create(
        organisation=home,
        name="e",
        url="https://hooks.example.nl/",
        event_types=["booking.made"],
        secret_salt="s",
        created_by=UserFactory(),
        created_at=timezone.now(),
    )
    w.delivery = WebhookDelivery.objects.create(
        endpoint=w.endpoint,
        event_type="booking.made",
        payload={},
        next_attempt_at=timezone.now(),
        give_up_at=timezone.now(),
        created_at=timezone.now(),
    )
    w.owner = UserFactory()
    w.device = add_totp_device(w.owner)
    # Another organisation's person with every role and qualification: refused by organisation.
    w.outsider = examiner(other, components=("SPR", "LEZ", "PVT"), role=Role.ADMIN)
    for role in (Role.PLANNER, Role.EXAMINER, Role.OFFICER):
        Membership.objects.create(user=w.outsider, organisation=other, role=role)
    w.client = ClientActor("token:test", organisation=other)
    fresh_factor(w.outsider)
    return w


def wrong_role(w, role: str):
    user = MembershipFactory(organisation=w.home, role=role).user
    return fresh_factor(user)


TODAY = datetime.date(2026, 1, 1)
# name: (role of the home organisation that may NOT do it, call(w, actor)).
CASES: dict[str, tuple[str, Callable]] = {
    "register_candidate": (
        Role.PLANNER,
        lambda w, a: _s("examens").register_candidate(
            actor=a,
            bsn="111222333",
            given_names="A",
            family_name="B",
            date_of_birth=TODAY,
            municipality=w.home,
            route=w.candidate.route,
            term_start=TODAY,
        ),
    ),
    "update_candidate": (
        Role.PLANNER,
        lambda w, a: _s("examens").update_candidate(w.candidate, actor=a, email="x@example.org"),
    ),
    "record_decision": (
        Role.PLANNER,
        lambda w, a: _s("examens").record_decision(
            w.candidate,
            actor=a,
            organisation=w.home,
            kind="accommodation",
            reason="r",
            needs=["large_screen"],
        ),
    ),
    "withdraw_decision": (
        Role.PLANNER,
        lambda w, a: _s("examens").withdraw_decision(w.decision, actor=a, reason="r"),
    ),
    "grant_membership": (
        Role.PLANNER,
        lambda w, a: _s("examens").grant_membership(
            UserFactory(), actor=a, organisation=w.home, role=Role.OFFICER
        ),
    ),
    "revoke_membership": (
        Role.PLANNER,
        lambda w, a: _s("examens").revoke_membership(w.membership, actor=a),
    ),
    "create_api_token": (
        Role.PLANNER,
        lambda w, a: _s("examens").create_api_token(
            w.home, actor=a, name="t", scopes=["bookings:read"]
        ),
    ),
    "revoke_api_token": (
        Role.PLANNER,
        lambda w, a: _s("examens").revoke_api_token(w.token, actor=a),
    ),
    "start_totp_enrolment": (Role.ADMIN, lambda w, a: _tf().start_totp_enrolment(w.owner, actor=a)),
    "confirm_totp_device": (
        Role.ADMIN,
        lambda w, a: _tf().confirm_totp_device(w.device, actor=a, token="123456"),
    ),
    "regenerate_backup_codes": (
        Role.ADMIN,
        lambda w, a: _tf().regenerate_backup_codes(w.owner, actor=a),
    ),
    "remove_device": (Role.ADMIN, lambda w, a: _tf().remove_device(w.device, actor=a)),
    "create_session": (
        Role.OFFICER,
        lambda w, a: _sch().create_session(
            actor=a,
            centre=w.centre,
            room=w.session.room,
            exam_version=w.version,
            starts_at=timezone.now() + datetime.timedelta(days=30),
            capacity=1,
        ),
    ),
    "assign_staff": (
        Role.OFFICER,
        lambda w, a: _sch().assign_staff(w.session, actor=a, user=w.examiner, role="examiner"),
    ),
    "publish_session": (Role.OFFICER, lambda w, a: _sch().publish_session(w.session, actor=a)),
    "mark_session_held": (Role.OFFICER, lambda w, a: _sch().mark_session_held(w.session, actor=a)),
    "complete_session_results": (
        Role.OFFICER,
        lambda w, a: _sch().complete_session_results(w.session, actor=a),
    ),
    "cancel_session": (
        Role.OFFICER,
        lambda w, a: _sch().cancel_session(w.session, actor=a, reason="r"),
    ),
    "withdraw_exam_version": (
        Role.OFFICER,
        lambda w, a: _sch().withdraw_exam_version(w.version, actor=a, reason="r"),
    ),
    "book_candidate": (
        Role.OFFICER,
        lambda w, a: _sch().book_candidate(w.session, actor=a, candidate=w.candidate),
    ),
    "cancel_booking": (Role.OFFICER, lambda w, a: _sch().cancel_booking(w.booking, actor=a)),
    "reschedule_booking": (
        Role.OFFICER,
        lambda w, a: _sch().reschedule_booking(w.booking, actor=a, to_session=w.session),
    ),
    "mark_no_show": (Role.OFFICER, lambda w, a: _sch().mark_no_show(w.booking, actor=a)),
    "mark_letter_sent": (
        Role.EXAMINER,
        lambda w, a: _letters().mark_letter_sent(w.booking, actor=a, kind="invitation"),
    ),
    "letter_for_booking": (
        Role.EXAMINER,
        lambda w, a: _letters().letter_for_booking(w.booking, actor=a, kind="invitation"),
    ),
    "check_in_booking": (
        Role.OFFICER,
        lambda w, a: _sch().check_in_booking(w.booking, actor=a, identity_confirmed=True),
    ),
    "reject_at_door": (
        Role.OFFICER,
        lambda w, a: _sch().reject_at_door(w.booking, actor=a, reason="r"),
    ),
    "report_irregularity": (
        Role.OFFICER,
        lambda w, a: _sch().report_irregularity(w.booking, actor=a, description="d"),
    ),
    "create_calendar_feed": (
        Role.OFFICER,
        lambda w, a: _sch().create_calendar_feed(actor=a, centre=w.centre),
    ),
    "revoke_calendar_feed": (
        Role.OFFICER,
        lambda w, a: _sch().revoke_calendar_feed(w.feed, actor=a),
    ),
    "add_to_waiting_list": (
        Role.OFFICER,
        lambda w, a: _sch().add_to_waiting_list(
            w.candidate, actor=a, centre=w.centre, component=w.session.component
        ),
    ),
    "accept_offer": (Role.OFFICER, lambda w, a: _sch().accept_offer(w.entry, actor=a)),
    "withdraw_from_waiting_list": (
        Role.OFFICER,
        lambda w, a: _sch().withdraw_from_waiting_list(w.entry, actor=a),
    ),
    "grant_qualification": (
        Role.EXAMINER,
        lambda w, a: _gr().grant_qualification(
            w.examiner,
            actor=a,
            component=w.session.component,
            organisation=w.home,
            valid_from=TODAY,
            valid_until=TODAY,
        ),
    ),
    "withdraw_qualification": (
        Role.EXAMINER,
        lambda w, a: _gr().withdraw_qualification(w.qualification, actor=a, reason="r"),
    ),
    "record_rating": (
        Role.PLANNER,
        lambda w, a: _gr().record_rating(w.booking, actor=a, scores={}),
    ),
    "record_attendance_outcome": (
        Role.PLANNER,
        lambda w, a: _gr().record_attendance_outcome(w.booking, actor=a),
    ),
    "release_result": (Role.PLANNER, lambda w, a: _gr().release_result(w.result, actor=a)),
    "release_session_results": (
        Role.PLANNER,
        lambda w, a: _gr().release_session_results(w.session, actor=a),
    ),
    "correct_result": (
        Role.PLANNER,
        lambda w, a: _gr().correct_result(w.result, actor=a, reason="r", raw_score=1),
    ),
    "sign_off_component": (
        Role.PLANNER,
        lambda w, a: _gr().sign_off_component(
            w.candidate, actor=a, component=component("PVT"), completed=True, evidence={}
        ),
    ),
    "import_machine_scores": (
        Role.PLANNER,
        lambda w, a: _gr().import_machine_scores(b"x", actor=a, organisation_ids={w.home.pk}),
    ),
    "suspend_certificate": (
        Role.PLANNER,
        lambda w, a: _cert().suspend_certificate(
            w.certificate, actor=a, reason_code="under_investigation", reason="r"
        ),
    ),
    "reinstate_certificate": (
        Role.PLANNER,
        lambda w, a: _cert().reinstate_certificate(w.certificate, actor=a, reason="r"),
    ),
    "revoke_certificate": (
        Role.PLANNER,
        lambda w, a: _cert().revoke_certificate(
            w.certificate, actor=a, reason_code="fraud", reason="r"
        ),
    ),
    "register_webhook_endpoint": (
        Role.OFFICER,
        lambda w, a: _mon().register_webhook_endpoint(
            w.home, actor=a, name="n", url="https://hooks.example.nl/", event_types=["booking.made"]
        ),
    ),
    "disable_webhook_endpoint": (
        Role.PLANNER,
        lambda w, a: _mon().disable_webhook_endpoint(w.endpoint, actor=a),
    ),
    "enable_webhook_endpoint": (
        Role.PLANNER,
        lambda w, a: _mon().enable_webhook_endpoint(w.endpoint, actor=a),
    ),
    "delete_webhook_endpoint": (
        Role.PLANNER,
        lambda w, a: _mon().delete_webhook_endpoint(w.endpoint, actor=a),
    ),
    # The rules are national: a municipality's admin may not change them.
    "update_at_risk_rule": (
        Role.ADMIN,
        lambda w, a: _mon().update_at_risk_rule(
            _mon_models().AtRiskRule.objects.order_by("pk").first().pk,
            actor=a,
            parameter=5,
            active=True,
        ),
    ),
    "record_at_risk_export": (
        Role.PLANNER,
        lambda w, a: _mon().record_at_risk_export(
            actor=a, fmt="csv", filters={}, rows=1, with_bsn=True
        ),
    ),
    "set_bsn_export": (
        Role.PLANNER,
        lambda w, a: _s("examens").set_bsn_export(
            MembershipFactory(organisation=w.home, role=Role.OFFICER), actor=a, allowed=True
        ),
    ),
}

# Job services: (call(w, actor)); every person and machine client is refused.
JOB_CASES: dict[str, Callable] = {
    "claim_invitation": lambda w, a: _sch().claim_invitation(w.booking.pk, actor=a),
    "mark_invitation_sent": lambda w, a: _sch().mark_invitation_sent(w.booking.pk, actor=a),
    "release_invitation": lambda w, a: _sch().release_invitation(w.booking.pk, actor=a, error="e"),
    "record_invitation_failure": lambda w, a: _sch().record_invitation_failure(
        w.booking.pk, actor=a, error="e"
    ),
    "claim_reminder": lambda w, a: _sch().claim_reminder(w.booking, actor=a),
    "route_invitation_by_post": lambda w, a: _letters().route_invitation_by_post(
        w.booking.pk, actor=a
    ),
    "route_invitations_by_post": lambda w, a: _letters().route_invitations_by_post(actor=a),
    "route_letter_by_post": lambda w, a: _letters().route_letter_by_post(
        w.booking.pk, actor=a, kind="reminder"
    ),
    "close_booking": lambda w, a: _sch().close_booking(w.session, actor=a),
    "expire_offer": lambda w, a: _sch().expire_offer(w.entry, actor=a),
    "flag_overdue_results": lambda w, a: _gr().flag_overdue_results(actor=a),
    "issue_certificate": lambda w, a: _cert().issue_certificate(w.candidate, actor=a),
    "reevaluate_certificate": lambda w, a: _cert().reevaluate_certificate(
        w.candidate, actor=a, reason="r"
    ),
    "record_certificate_stored": lambda w, a: _cert().record_certificate_stored(
        w.certificate, actor=a
    ),
    "flush_verification_counts": lambda w, a: _cert().flush_verification_counts([], actor=a),
    "advance_issuing_sweep": lambda w, a: _cert().advance_issuing_sweep(timezone.now(), actor=a),
    "current_signing_key": lambda w, a: _cert().current_signing_key(actor=a),
    "rotate_signing_key": lambda w, a: _cert().rotate_signing_key(actor=a),
    "enqueue_webhook_event": lambda w, a: _mon().enqueue_webhook_event(
        "booking.made", actor=a, candidate_id=w.candidate.pk, objects={}
    ),
    "refresh_figures": lambda w, a: _mon().refresh_figures(actor=a),
    "claim_webhook_delivery": lambda w, a: _mon().claim_webhook_delivery(w.delivery.pk, actor=a),
    "record_webhook_attempt": lambda w, a: _mon().record_webhook_attempt(
        w.delivery.pk, actor=a, lease_token="t", answer=Answer(200)
    ),
}
# Services a job may call besides the job services (see examens.authz).
SYSTEM_ALLOWED = {"grant_membership"}


def _s(app):
    return importlib.import_module(f"{app}.services")


def _tf():
    return importlib.import_module("examens.twofactor")


def _sch():
    return importlib.import_module("scheduling.services")


def _letters():
    return importlib.import_module("scheduling.services.letters")


def _gr():
    return importlib.import_module("grading.services")


def _cert():
    return importlib.import_module("certificates.services")


def _mon():
    return importlib.import_module("monitoring.services")


def _mon_models():
    return importlib.import_module("monitoring.models")


def test_every_public_service_has_a_case():
    services = set(public_services())
    covered = set(CASES) | set(JOB_CASES) | set(EXEMPT)
    assert services - covered == set(), "a public service without an authorisation case"
    assert covered - services == set(), "a case for a service that no longer exists"
    assert set(JOB_CASES) | SYSTEM_ALLOWED == set(JOB_SERVICES)


def _refused(call, w, actor):
    before = AuditEvent.objects.count()
    with pytest.raises(NotPermitted):
        call(w, actor)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("name", sorted(CASES))
def test_service_refuses_actors_without_the_right(world, name):
    """The wrong role at home, every role elsewhere, no membership, a machine client of
    another organisation, and the system actor (unless a job may call it)."""
    role, call = CASES[name]
    actors = [
        wrong_role(world, role),
        world.outsider,
        fresh_factor(UserFactory()),
        world.client,
    ]
    if name not in SYSTEM_ALLOWED:
        actors.append(SYSTEM)
    for actor in actors:
        _refused(call, world, actor)


@pytest.mark.parametrize("name", sorted(JOB_CASES))
def test_job_service_refuses_every_person_and_client(world, name):
    call = JOB_CASES[name]
    superuser = fresh_factor(UserFactory(is_superuser=True))
    Membership.objects.create(
        user=superuser,
        organisation=OrganisationFactory(name="DUO", kind=Organisation.Kind.AGENCY, cbs_code=""),
        role=Role.ADMIN,
    )
    for actor in (superuser, world.outsider, world.client):
        _refused(call, world, actor)
