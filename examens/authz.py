"""Authorisation inside the services: every service checks its own actor.

Services call these helpers near their top, before they lock or write, and
raise one error, `NotPermitted` (code `not_permitted`, 403). The rules
themselves are the predicates of each app's `permissions.py`
(`can_release(user, result)`, ...), which the view gates use too: a rule is
written once. Views never catch `NotPermitted`; it becomes a response in one
place (pages: `examens.middleware.NotPermittedMiddleware`, a 403 page; API:
`examens.api_errors.exception_handler`, 403 with the error's dict). A 403 page
does not leak an object's existence here, because the view gate has already
answered 404 for an object the user may not see: a refusal that reaches the
middleware is about an object the user may see but not change.

Three kinds of actor:

- A **person** (`User`): must hold the role, organisation and qualification
  the service asks; a user without any membership is refused everywhere.
- A **job** (`SystemActor`, e.g. `SYSTEM`, `SystemActor("scheduling-jobs")`):
  may call only what scheduled jobs, signal receivers and operator commands
  do, and is refused by every other service (`require_person`). The services
  open to a job (listed in `JOB_SERVICES`, checked by
  tests/test_service_authz.py): the outbox (`claim_invitation`,
  `mark_invitation_sent`, `release_invitation`, `record_invitation_failure`,
  `claim_reminder`, routing letters by post: `route_invitation_by_post`,
  `route_invitations_by_post`, `route_letter_by_post`), closing booking
  (`close_booking`), expiring offers (`expire_offer`), flagging overdue
  results (`flag_overdue_results`), issuing and re-evaluating certificates
  and noting a stored PDF (`issue_certificate`, `reevaluate_certificate`,
  `record_certificate_stored`, from receivers and tasks), flushing the
  verification counters (`flush_verification_counts`), the certificate
  sweep's mark (`advance_issuing_sweep`), the signing keys
  (`current_signing_key`, `rotate_signing_key`: first use and the operator's
  rotation command), the webhook outbox (`enqueue_webhook_event`,
  `claim_webhook_delivery`, `record_webhook_attempt`), and provisioning
  memberships (`grant_membership`, for seeding from the operator's command
  line). These services refuse a person, except `grant_membership`, which an
  organisation's admin calls.
- A **machine client** (`ClientActor`, a scoped API token of one
  organisation): a SystemActor for the audit trail, but not a job. It may
  call only the services its API offers (`book_candidate`,
  `cancel_booking`, `import_machine_scores`), for its own organisation's
  candidates; every other service refuses it like a person without rights.

Freshness. Where the page asks for a code entered in the last
`settings.OTP_FRESHNESS_SECONDS` (release, correction, sign-off,
qualifications, backup codes, removing an app), the service checks it
itself, without trusting its caller: the person's last verified second
factor is the `examens.otp.verified` audit event that
`twofactor.verify_second_factor` writes (login and re-verification both go
through it), and `require_fresh_factor` refuses when the newest one is older
than the window. It is written by the service that checked the code, inside
the hash-chained trail, so no caller can forge it by passing a flag. It is
per person, not per browser session: the page's own check
(`examens.views.fresh`) stays for the session.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from .audit import Actor, SystemActor
from .exceptions import FreshFactorRequired, NotPermitted
from .models import AuditEvent, Organisation, User

FACTOR_VERIFIED_ACTION = "examens.otp.verified"
# The public services a job (a plain SystemActor) may call; all others refuse it.
JOB_SERVICES = frozenset(
    {
        "claim_invitation",
        "mark_invitation_sent",
        "release_invitation",
        "record_invitation_failure",
        "claim_reminder",
        "route_invitation_by_post",
        "route_invitations_by_post",
        "route_letter_by_post",
        "close_booking",
        "expire_offer",
        "flag_overdue_results",
        "issue_certificate",
        "reevaluate_certificate",
        "record_certificate_stored",
        "flush_verification_counts",
        "advance_issuing_sweep",
        "current_signing_key",
        "rotate_signing_key",
        "grant_membership",
        "enqueue_webhook_event",
        "claim_webhook_delivery",
        "record_webhook_attempt",
        "refresh_figures",
    }
)


class ClientActor(SystemActor):
    """A machine client (a scoped API token) acting for its organisation."""

    def __init__(self, label: str, *, organisation: Organisation):
        super().__init__(label)
        self.organisation = organisation


def is_person(actor: Actor) -> bool:
    return isinstance(actor, User) and actor.is_authenticated and actor.is_active


def is_job(actor: Actor) -> bool:
    return isinstance(actor, SystemActor) and not isinstance(actor, ClientActor)


def require(allowed: bool) -> None:
    """Raise NotPermitted unless `allowed` (the value of a permissions predicate)."""
    if not allowed:
        raise NotPermitted()


def require_person(actor: Actor) -> User:
    """The acting person; NotPermitted for a job, a machine client or an inactive user."""
    if not is_person(actor):
        raise NotPermitted()
    assert isinstance(actor, User)  # noqa: S101 - narrows the type for mypy  # nosec B101
    return actor


def require_job(actor: Actor) -> None:
    """Job-only services (see JOB_SERVICES): NotPermitted for a person or machine client."""
    if not is_job(actor):
        raise NotPermitted()


def factor_verified_at(user: User) -> datetime.datetime | None:
    """When `user` last entered a valid second factor (None: never)."""
    return (
        AuditEvent.objects.filter(actor=user, action=FACTOR_VERIFIED_ACTION)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def has_fresh_factor(user: User) -> bool:
    verified_at = factor_verified_at(user)
    if verified_at is None:
        return False
    age = timezone.now() - verified_at
    return (
        datetime.timedelta(0) <= age <= datetime.timedelta(seconds=settings.OTP_FRESHNESS_SECONDS)
    )


def require_fresh_factor(user: User) -> None:
    """FreshFactorRequired (a NotPermitted) unless `user` verified a code recently."""
    if not has_fresh_factor(user):
        raise FreshFactorRequired()
