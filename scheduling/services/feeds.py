"""Secret iCalendar feed URLs for a centre or an examiner: create (rotating) and revoke."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.models import ExamCentre, User
from examens.privacy import digest_secret

from .. import permissions
from ..exceptions import SchedulingError
from ..models import CalendarFeed
from ._common import now as _now


def feed_token_digest(secret: str) -> str:
    """What the database keeps of a feed's secret: its SHA-256 (the URL is the key)."""
    return digest_secret(secret)


def create_calendar_feed(
    *, actor: Actor, centre: ExamCentre | None = None, user: User | None = None
) -> CalendarFeed:
    """Make a new secret feed URL for a centre or for one examiner.

    Rules: exactly one owner, a centre or a person (`owner`). A new feed
    replaces the owner's active one, which is revoked in the same
    transaction (a leaked URL is fixed by making a new one). The secret is
    on the returned object as `feed.secret`, once: the database keeps only
    its SHA-256, the audit event neither. Not idempotent. Raises SchedulingError.
    """
    if (centre is None) == (user is None):
        raise SchedulingError(
            _("A calendar feed belongs to an exam centre or to one person."),
            code="feed_owner",
            field="owner",
        )
    person = authz.require_person(actor)
    authz.require(permissions.can_create_feed(person, centre=centre, owner=user))
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        owner = {"centre": centre} if centre is not None else {"user": user}
        moment = _now()
        previous = list(
            CalendarFeed.objects.select_for_update(of=("self",))
            .filter(revoked_at__isnull=True, **owner)
            .order_by("pk")
        )
        for old in previous:
            old.revoked_at = moment
            old.save(update_fields=["revoked_at"])
        feed = CalendarFeed.objects.create(token=feed_token_digest(secret), **owner)
        record_event(
            actor,
            "scheduling.calendar_feed.created",
            feed,
            data={
                "centre": centre.pk if centre is not None else None,
                "user": user.pk if user is not None else None,
                "replaced": [old.pk for old in previous],
            },
        )
    feed.secret = secret
    return feed


def revoke_calendar_feed(feed: CalendarFeed, *, actor: Actor) -> CalendarFeed:
    """Switch a feed URL off for good. Idempotent: a revoked feed is returned unchanged."""
    person = authz.require_person(actor)
    authz.require(permissions.can_manage_feed(person, feed))
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update(of=("self",)).get(pk=feed.pk)
        if feed.revoked_at is not None:
            return feed
        feed.revoked_at = _now()
        feed.save(update_fields=["revoked_at"])
        record_event(
            actor,
            "scheduling.calendar_feed.revoked",
            feed,
            data={"centre": feed.centre_id, "user": feed.user_id},
        )
        return feed
