"""The demo's direct writes: what no service can write, kept in this one module.

Everything else in the demo goes through the services, with the actor who would
really do it. Two kinds of row cannot:

- The world as it stood before the product: organisations, the provider's
  contracts, exam centres and rooms, staff accounts with their TOTP devices,
  and each organisation's first administrator (appointed when it joined; that
  administrator grants every other membership through `grant_membership`);
  and, outside DEBUG, random secrets for accounts once seeded under DEBUG.
  The product has no service for these yet; each is written here in a
  transaction with its audit event, as a service would.
- History in the past: the services refuse to plan a session before now, so a
  session that took place weeks ago is planned, booked and run through the door
  in the present and then moved to its real start here.

The write-path check (tests) allow-lists exactly this module of the demo.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from examens.audit import record_event
from examens.models import ExamCentre, Membership, Organisation, Role, Room, User
from scheduling.models import Booking, ExamSession

from .credentials import Credentials
from .world import DEMO_SYSTEM, TOTP_DEVICE_NAME

# --- The world before the product -----------------------------------------------------


@transaction.atomic
def found_organisation(name: str, kind: str, *, cbs_code: str = "") -> tuple[Organisation, bool]:
    """The organisation named `name`, created when absent; (organisation, created)."""
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        return existing, False
    organisation = Organisation.objects.create(name=name, kind=kind, cbs_code=cbs_code)
    # "cbs", not "cbs_code": audit masking hides every key containing "code".
    record_event(
        DEMO_SYSTEM,
        "examens.organisation.created",
        organisation,
        data={"name": name, "kind": kind, "cbs": cbs_code},
    )
    return organisation, True


@transaction.atomic
def sign_contract(provider: Organisation, municipality: Organisation) -> bool:
    """The provider works for the municipality; True when the contract is new."""
    if provider.contracted_by.filter(pk=municipality.pk).exists():
        return False
    provider.contracted_by.add(municipality)
    record_event(
        DEMO_SYSTEM,
        "examens.organisation.contracted",
        provider,
        data={
            "provider": provider.pk,
            "municipality": municipality.pk,
            "municipality_name": municipality.name,
        },
    )
    return True


@transaction.atomic
def open_centre(
    organisation: Organisation, name: str, *, kind: str, address: str, city: str
) -> tuple[ExamCentre, bool]:
    existing = ExamCentre.objects.filter(organisation=organisation, name=name).first()
    if existing is not None:
        return existing, False
    centre = ExamCentre.objects.create(
        organisation=organisation, name=name, kind=kind, address=address, city=city
    )
    record_event(
        DEMO_SYSTEM,
        "examens.centre.created",
        centre,
        data={
            "name": name,
            "kind": kind,
            "organisation": organisation.pk,
            "address": address,
            "city": city,
        },
    )
    return centre, True


@transaction.atomic
def furnish_room(centre: ExamCentre, name: str, **facilities: int | bool) -> tuple[Room, bool]:
    """The room `name` of `centre` with its capacity and facilities, created when absent."""
    existing = Room.objects.filter(centre=centre, name=name).first()
    if existing is not None:
        return existing, False
    room = Room.objects.create(centre=centre, name=name, **facilities)
    record_event(
        DEMO_SYSTEM,
        "examens.room.created",
        room,
        data={"centre": centre.pk, "name": name, **facilities},
    )
    return room, True


@transaction.atomic
def open_account(
    username: str, *, first_name: str, last_name: str, superuser: bool, password: str
) -> tuple[User, bool]:
    """A staff account with `password` (hashed), created when absent; (user, created)."""
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    user = User.objects.create_user(
        username,
        email=f"{username}@demo.example.nl",
        password=password,
        first_name=first_name,
        last_name=last_name,
        is_staff=superuser,
        is_superuser=superuser,
    )
    # No password, not even masked: the event says an account was opened.
    record_event(
        DEMO_SYSTEM,
        "examens.user.created",
        user,
        data={"username": username, "is_staff": superuser, "is_superuser": superuser, "demo": True},
    )
    return user, True


@transaction.atomic
def enrol_totp_device(user: User, *, key: str) -> tuple[TOTPDevice, bool]:
    """A confirmed TOTP device with `key` (hex) for `user`, created when absent."""
    existing = TOTPDevice.objects.filter(user=user, name=TOTP_DEVICE_NAME).first()
    if existing is not None:
        return existing, False
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True)
    # The key itself stays out of the audit trail.
    record_event(
        DEMO_SYSTEM,
        "examens.totp_device.created",
        device,
        data={"user": user.pk, "name": TOTP_DEVICE_NAME, "confirmed": True, "demo": True},
    )
    return device, True


@transaction.atomic
def appoint_first_admin(user: User, organisation: Organisation) -> tuple[Membership, bool]:
    """The organisation's first administrator, appointed when it joined the product."""
    existing = Membership.objects.filter(
        user=user, organisation=organisation, role=Role.ADMIN
    ).first()
    if existing is not None:
        return existing, False
    membership = Membership.objects.create(user=user, organisation=organisation, role=Role.ADMIN)
    record_event(
        DEMO_SYSTEM,
        "examens.membership.granted",
        membership,
        data={"user": user.pk, "organisation": organisation.pk, "role": Role.ADMIN},
    )
    return membership, True


@transaction.atomic
def replace_known_secrets(user: User, device: TOTPDevice, credentials: Credentials) -> None:
    """Give an account seeded under DEBUG (README password, derived TOTP key) random secrets."""
    user.set_password(credentials.password)
    user.save(update_fields=["password"])
    device.key = credentials.totp_key
    device.save(update_fields=["key"])
    # Neither secret, not even masked: the event says they were replaced.
    record_event(
        DEMO_SYSTEM,
        "examens.user.demo_secrets_replaced",
        user,
        data={"username": user.username, "device": device.pk, "demo": True},
    )


# --- History in the past ----------------------------------------------------------------


def open_door_now(session: ExamSession, *, closes: datetime.timedelta) -> datetime.datetime:
    """Move a session planned ahead to ten minutes ago, so that its door is open now."""
    door_open = timezone.now() - datetime.timedelta(minutes=10)
    ExamSession.objects.filter(pk=session.pk).update(
        starts_at=door_open, booking_closes_at=door_open - closes
    )
    return door_open


def move_to_the_past(
    session: ExamSession,
    *,
    starts_at: datetime.datetime,
    closes: datetime.timedelta,
    waits: dict[int, datetime.timedelta] | None = None,
) -> None:
    """The session took place at `starts_at`; so did the door (check-ins, no-shows).

    `waits` (booking id -> how long before the start it was made) dates each booking
    back to when it was really made, so that the real wait (booking to sitting) the
    capacity view reads is a wait, not a negative number. Bookings not named keep
    their own time.
    """
    ExamSession.objects.filter(pk=session.pk).update(
        starts_at=starts_at, booking_closes_at=starts_at - closes
    )
    Booking.objects.filter(session=session, status_changed_at__isnull=False).update(
        status_changed_at=starts_at
    )
    by_wait: dict[datetime.timedelta, list[int]] = {}
    for booking_id, wait in (waits or {}).items():
        by_wait.setdefault(wait, []).append(booking_id)
    for wait, booking_ids in sorted(by_wait.items()):
        Booking.objects.filter(session=session, pk__in=booking_ids).update(
            created_at=starts_at - wait
        )
