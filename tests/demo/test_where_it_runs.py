"""Where `seed_demo` may run: never in production; outside DEBUG only with random secrets."""

import base64
import io
import logging

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.credentials import DEMO_PASSWORD, known_totp_key_for
from demo.world import STAFF
from examens.models import AuditEvent, User

pytestmark = pytest.mark.django_db

USERNAMES = [username for username, *_ in STAFF]


def all_row_counts() -> dict[str, int]:
    """Rows in every table of every installed model (auto-created through tables included)."""
    models = apps.get_models(include_auto_created=True)
    return {model._meta.db_table: model._base_manager.count() for model in models}


def seed(*flags: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--candidates", "3", *flags, stdout=out)
    return out.getvalue()


@pytest.fixture
def production(settings):
    settings.PROFILE = "production"
    settings.PRODUCTION = True
    settings.DEBUG = False


@pytest.mark.parametrize("flags", [(), ("--outside-debug",)])
def test_seed_demo_refused_in_production_profile_and_writes_nothing(production, flags):
    before = all_row_counts()

    with pytest.raises(CommandError, match="production profile"):
        seed(*flags)

    assert all_row_counts() == before
    assert not User.objects.exists()


def test_seed_demo_refused_in_production_profile_even_with_debug_on(production, settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="production profile"):
        seed()

    assert not User.objects.exists()


def test_seed_demo_outside_debug_refused_without_the_flag_and_writes_nothing(settings):
    settings.DEBUG = False
    before = all_row_counts()

    with pytest.raises(CommandError, match="--outside-debug"):
        seed()

    assert all_row_counts() == before


def logins(output: str) -> dict[str, tuple[str, str]]:
    """username -> (password, base32 TOTP secret) from the printed table."""
    table = {}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] in USERNAMES:
            table[parts[0]] = (parts[-3], parts[-2])
    return table


def seed_and_roll_back(*flags: str) -> tuple[str, dict[str, str], dict[str, bool]]:
    """Run the seed in a savepoint that is rolled back: (output, device keys, password checks)."""
    with transaction.atomic():
        output = seed(*flags)
        printed = logins(output)
        keys = dict(TOTPDevice.objects.filter(name="demo").values_list("user__username", "key"))
        passwords_match = {
            user.username: user.check_password(printed[user.username][0])
            and not user.check_password(DEMO_PASSWORD)
            for user in User.objects.filter(username__in=USERNAMES)
        }
        transaction.set_rollback(True)
    return output, keys, passwords_match


def test_seed_demo_outside_debug_with_flag_gives_random_secrets_printed_once(settings, caplog):
    settings.DEBUG = False
    caplog.set_level(logging.DEBUG)

    output, keys, passwords_match = seed_and_roll_back("--outside-debug")
    again, keys_again, _ = seed_and_roll_back("--outside-debug")

    printed, printed_again = logins(output), logins(again)
    assert set(printed) == set(USERNAMES)
    assert all(passwords_match.values()), passwords_match
    for username in USERNAMES:
        password, secret = printed[username]
        assert secret == base64.b32encode(bytes.fromhex(keys[username])).decode()
        assert keys[username] != known_totp_key_for(username)
        assert len(keys[username]) == 40
        # A second run draws new secrets: nothing is derived from the username.
        assert keys_again[username] != keys[username]
        assert printed_again[username][0] != password
        assert username not in password
    assert len({password for password, _ in printed.values()}) == len(USERNAMES)
    assert len(set(keys.values())) == len(USERNAMES)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for password, secret in [*printed.values(), *printed_again.values()]:
        assert password not in logged
        assert secret not in logged


def test_seed_demo_outside_debug_second_run_shows_no_secrets(settings):
    settings.DEBUG = False
    first = seed("--outside-debug")
    keys = dict(TOTPDevice.objects.values_list("user__username", "key"))

    second = seed("--outside-debug")

    assert "Nothing to create" in second
    assert dict(TOTPDevice.objects.values_list("user__username", "key")) == keys
    for password, secret in logins(first).values():
        assert password not in second
        assert secret not in second
    assert "(unchanged)" in second


def test_seed_demo_secrets_stay_out_of_the_audit_trail(settings):
    settings.DEBUG = False
    output = seed("--outside-debug")

    trail = "\n".join(str(data) for data in AuditEvent.objects.values_list("data", flat=True))
    for password, secret in logins(output).values():
        assert password not in trail
        assert secret not in trail
    keys = TOTPDevice.objects.values_list("key", flat=True)
    assert not [key for key in keys if key in trail]


def test_seed_demo_under_debug_keeps_the_readme_logins():
    output = seed()

    for username in USERNAMES:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        device = TOTPDevice.objects.get(user=user, name="demo")
        assert device.key == known_totp_key_for(username)
        assert logins(output)[username] == (
            DEMO_PASSWORD,
            base64.b32encode(bytes.fromhex(device.key)).decode(),
        )


def test_seed_demo_outside_debug_refuses_quiet_which_would_lose_the_secrets(settings):
    settings.DEBUG = False
    before = all_row_counts()

    with pytest.raises(CommandError, match="--quiet"):
        seed("--outside-debug", "--quiet")

    assert all_row_counts() == before


def test_seed_demo_outside_debug_replaces_the_known_logins_of_an_earlier_debug_seed(settings):
    seed()  # under DEBUG: the README's password and derived TOTP keys
    settings.DEBUG = False

    output = seed("--outside-debug")

    printed = logins(output)
    assert set(printed) == set(USERNAMES)
    for username in USERNAMES:
        user = User.objects.get(username=username)
        device = TOTPDevice.objects.get(user=user, name="demo")
        assert device.key != known_totp_key_for(username)
        assert printed[username][1] == base64.b32encode(bytes.fromhex(device.key)).decode()
        assert user.check_password(printed[username][0])
        assert not user.check_password(DEMO_PASSWORD)
    assert AuditEvent.objects.filter(action="examens.user.demo_secrets_replaced").count() == len(
        USERNAMES
    )
    assert "(unchanged)" in seed("--outside-debug")
