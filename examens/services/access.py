"""Who may act for an organisation: memberships and API tokens."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz, permissions
from examens.audit import Actor, record_event
from examens.exceptions import RegistryError
from examens.models import (
    KNOWN_SCOPES,
    ApiToken,
    Membership,
    Organisation,
    Role,
    User,
)
from examens.privacy import digest_secret


@transaction.atomic
def grant_membership(
    user: User, *, actor: Actor, organisation: Organisation, role: str
) -> Membership:
    """Give `user` a role in `organisation`. Idempotent.

    Authorised: the organisation's admins, superusers, and jobs (provisioning,
    examens.authz); NotPermitted otherwise.
    """
    if not authz.is_job(actor):
        authz.require(permissions.can_administer(authz.require_person(actor), organisation))
    if role not in Role.values:
        raise RegistryError(_("Unknown role."), field="role")
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if created:
        record_event(
            actor,
            "examens.membership.granted",
            membership,
            data={
                "user": user.pk,
                "organisation": organisation.pk,
                "role": role,
            },
        )
    return membership


@transaction.atomic
def revoke_membership(membership: Membership, *, actor: Actor) -> None:
    """Take a role away. The audit event keeps what it was.

    Locks the membership row and re-reads it first: idempotent, a membership
    already revoked (by a concurrent call too) is left alone and writes no
    second event. Authorised: as grant_membership for a person (NotPermitted).
    """
    admin = authz.require_person(actor)
    authz.require(permissions.can_administer(admin, membership.organisation))
    locked = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if locked is None:
        return
    record_event(
        actor,
        "examens.membership.revoked",
        locked,
        data={
            "user": locked.user_id,
            "organisation": locked.organisation_id,
            "role": locked.role,
        },
    )
    locked.delete()


def hash_api_key(secret: str) -> str:
    return digest_secret(secret)


TOKEN_NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100


def _clean_token_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise RegistryError(_("Give the token a name: what system uses it."), field="name")
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise RegistryError(
            _("The name is at most %(limit)d characters.") % {"limit": TOKEN_NAME_MAX_LENGTH},
            field="name",
        )
    return name


def _clean_scopes(scopes: list[str]) -> list[str]:
    chosen = sorted({str(scope) for scope in scopes})
    if not chosen:
        raise RegistryError(_("Choose at least one scope."), field="scopes")
    unknown = [scope for scope in chosen if scope not in KNOWN_SCOPES]
    if unknown:
        raise RegistryError(
            _("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)}, field="scopes"
        )
    return chosen


@transaction.atomic
def create_api_token(
    organisation: Organisation, *, actor: Actor, name: str, scopes: list[str]
) -> tuple[ApiToken, str]:
    """Create a scoped token; returns it with the secret, which is never stored or shown again.

    Authorised: the organisation's admins and superusers (NotPermitted). The
    name must be given (whitespace collapsed, at most 100 characters) and the
    scopes must be known ones, at least one (RegistryError naming `name` or
    `scopes`). Not idempotent: every call makes a new token. Audit:
    `examens.api_token.created` with the name and scopes, never the secret.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_administer(person, organisation))
    name, chosen = _clean_token_name(name), _clean_scopes(scopes)
    prefix = secrets.token_hex(4)
    secret = f"eb_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        key_hash=hash_api_key(secret),
        scopes=chosen,
        created_by=person,
    )
    record_event(
        actor,
        "examens.api_token.created",
        token,
        data={
            "organisation": organisation.pk,
            "name": name,
            "scopes": token.scopes,
        },
    )
    return token, secret


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: Actor) -> ApiToken:
    """Revoke a token: from then on every call with it is refused (401).

    Authorised: as create_api_token (NotPermitted). Locks the row and re-reads
    it: idempotent, a token already revoked (by a concurrent call too) keeps
    its first revocation time and writes no second event. Audit:
    `examens.api_token.revoked`.
    """
    person = authz.require_person(actor)
    token = ApiToken.objects.select_for_update().select_related("organisation").get(pk=token.pk)
    authz.require(permissions.can_administer(person, token.organisation))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor, "examens.api_token.revoked", token, data={"name": token.name})
    return token


def record_api_token_use(
    token: ApiToken, *, at: datetime.datetime, precision: datetime.timedelta
) -> bool:
    """Stamp when `token` was last used, at most once per `precision`.

    A usage stamp, not a decision: it writes no audit event (one per API call
    would bury the trail). One conditional UPDATE: concurrent workers never both
    write, no row lock is held. Idempotent within `precision`. Returns whether
    it wrote.
    """
    stale = at - precision
    fresh = ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale))
    return bool(fresh.filter(pk=token.pk).update(last_used_at=at))


@transaction.atomic
def set_bsn_export(membership: Membership, *, actor: Actor, allowed: bool) -> Membership:
    """Let an officer's exports carry BSNs, or stop them (decision 0022). Idempotent.

    Rules: only an officer membership of a municipality or the agency can hold it
    (a provider examines, it does not follow residents' terms). Authorised: the
    organisation's admins and superusers (NotPermitted), checked before anything
    is read under the lock. Locks the membership row and re-reads it; writes
    `examens.membership.bsn_export_allowed|withdrawn` only when it changed.
    Raises RegistryError (field `membership`) for a membership that cannot hold it.
    """
    admin = authz.require_person(actor)
    authz.require(permissions.can_administer(admin, membership.organisation))
    locked = (
        Membership.objects.select_for_update()
        .select_related("organisation")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise RegistryError(_("This membership no longer exists."), field="membership")
    if locked.role != Role.OFFICER or locked.organisation.kind == Organisation.Kind.PROVIDER:
        raise RegistryError(
            _("Only officers of a municipality or the agency can export BSNs."),
            field="membership",
        )
    if locked.may_export_bsn == allowed:
        return locked
    locked.may_export_bsn = allowed
    locked.save(update_fields=["may_export_bsn"])
    record_event(
        actor,
        "examens.membership.bsn_export_allowed"
        if allowed
        else "examens.membership.bsn_export_withdrawn",
        locked,
        data={"user": locked.user_id, "organisation": locked.organisation_id},
    )
    return locked
