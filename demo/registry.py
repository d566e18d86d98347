"""The registry part of the demo: organisations, centres, rooms and staff.

What existed before the product (organisations, contracts, centres, rooms,
accounts, TOTP devices, each organisation's first administrator) is written by
`demo.history`; every other membership is granted through `grant_membership`
by an administrator of the organisation. Idempotent: each row is looked up by
its natural key first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from examens import authz, twofactor
from examens.models import Organisation, User
from examens.services import grant_membership

from . import history
from .credentials import Credentials, known_totp_key_for
from .world import (
    ADMINS,
    AGENCY,
    CENTRES,
    MUNICIPALITIES,
    PROVIDER,
    PROVIDER_CONTRACTED_BY,
    STAFF,
    SUPERUSERS,
    TOTP_DEVICE_NAME,
)


def seed_organisations(created: Counter[str]) -> dict[str, Organisation]:
    """DUO, the provider and the municipalities, and the provider's contracts."""
    wanted = [(AGENCY, Organisation.Kind.AGENCY, ""), (PROVIDER, Organisation.Kind.PROVIDER, "")]
    wanted += [(name, Organisation.Kind.MUNICIPALITY, cbs) for name, cbs, _ in MUNICIPALITIES]
    organisations = {}
    for name, kind, cbs_code in wanted:
        organisations[name], new = history.found_organisation(name, kind, cbs_code=cbs_code)
        created["organisations"] += new
    for name in PROVIDER_CONTRACTED_BY:
        created["contracts"] += history.sign_contract(organisations[PROVIDER], organisations[name])
    return organisations


def seed_centres(organisations: dict[str, Organisation], created: Counter[str]) -> None:
    for name, kind, owner, address, city, rooms in CENTRES:
        centre, new = history.open_centre(
            organisations[owner], name, kind=kind, address=address, city=city
        )
        created["exam centres"] += new
        for room_name, capacity, step_free, separate, large_screen, hearing_loop in rooms:
            _, new = history.furnish_room(
                centre,
                room_name,
                capacity=capacity,
                step_free=step_free,
                separate_room=separate,
                large_screen=large_screen,
                hearing_loop=hearing_loop,
            )
            created["rooms"] += new


def seed_staff(
    organisations: dict[str, Organisation],
    created: Counter[str],
    *,
    credentials_for: Callable[[str], Credentials],
    replace_known: bool = False,
) -> tuple[dict[str, User], dict[str, Credentials]]:
    """The staff accounts and their roles; (users, the secrets set by this run).

    `credentials_for(username)` gives a new account its password and a new
    device its TOTP key; what exists keeps its secret, which is not known here
    (an empty string in the returned credentials). With `replace_known` (outside
    DEBUG), an account still holding the derived DEBUG TOTP key (seeded under DEBUG
    earlier) gets new secrets as well, so no known login survives.
    """
    users: dict[str, User] = {}
    issued: dict[str, Credentials] = {}
    for username, first_name, last_name, _, _ in STAFF:
        credentials = credentials_for(username)
        user, new = history.open_account(
            username,
            first_name=first_name,
            last_name=last_name,
            superuser=username in SUPERUSERS,
            password=credentials.password,
        )
        device, new_device = history.enrol_totp_device(user, key=credentials.totp_key)
        if new or new_device:
            issued[username] = Credentials(
                password=credentials.password if new else "",
                totp_key=credentials.totp_key if new_device else "",
            )
        elif replace_known and device.key == known_totp_key_for(username):
            history.replace_known_secrets(user, device, credentials)
            issued[username] = credentials
            created["accounts given random secrets"] += 1
        created["users"] += new
        sign_in(user)
        created["TOTP devices"] += new_device
        users[username] = user
    for owner, username in ADMINS.items():
        _, new = history.appoint_first_admin(users[username], organisations[owner])
        created["memberships"] += new
    for username, _, _, owner, roles in STAFF:
        admin = users[ADMINS[owner]]
        for role in roles:
            before = users[username].memberships.count()
            grant_membership(
                users[username], actor=admin, organisation=organisations[owner], role=role
            )
            created["memberships"] += users[username].memberships.count() - before
    return users, issued


def sign_in(user: User) -> None:
    """Enter `user`'s current TOTP code through the real check, as at a login.

    The services that ask for a fresh code (release, correction, sign-off,
    qualifications) look for the `examens.otp.verified` event this writes
    (examens.authz). A code is accepted once per time step: when this step's
    code was already used (a second seed within 30 seconds), the next step's
    code is entered, which django-otp accepts within its tolerance. The code is
    counted by the login throttle as typed at this machine (127.0.0.1). Someone who
    signed in within the freshness window is left as is (a second seed adds nothing).
    """
    if authz.has_fresh_factor(user):
        return
    device = TOTPDevice.objects.get(user=user, name=TOTP_DEVICE_NAME)
    twofactor.verify_second_factor(user, token=usable_code(device), address="127.0.0.1")


def usable_code(device: TOTPDevice) -> str:
    """The code `device` accepts now: this time step's, or the next one's when this
    step's code was already used (django-otp accepts each step once)."""
    device.refresh_from_db(fields=["last_t"])
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    code = hotp(device.bin_key, max(now, device.last_t + 1), digits=device.digits)
    return f"{code:0{device.digits}d}"
