"""Staff login with two factors: password throttling, forced enrolment, codes, devices."""

import base64

import pytest
from django.conf import settings
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from examens import twofactor
from examens.models import AuditEvent
from tests.conftest import fresh_factor, mark_fresh
from tests.examens.factories import UserFactory, add_totp_device, current_totp

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LOGIN = reverse("examens:login")
VERIFY = reverse("examens:otp-verify")
ENROL = reverse("examens:otp-enrol")
START = {"action": "start"}
BACKUP_CODES = reverse("examens:otp-backup-codes")
SECURITY = reverse("examens:security")


@pytest.fixture(autouse=True)
def _fast_and_english(client, settings):
    """A fast hasher (many login attempts), English pages, clean throttle counters."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    cache.clear()
    yield
    cache.clear()


def post_password(client, username, password=PASSWORD, ip="192.0.2.10", **data):
    return client.post(LOGIN, {"username": username, "password": password, **data}, REMOTE_ADDR=ip)


def wrong_code(device):
    return f"{(int(current_totp(device)) + 1) % 1_000_000:06d}"


def is_verified(client):
    return DEVICE_ID_SESSION_KEY in client.session


# --- password ---------------------------------------------------------------------


def test_login_refused_with_wrong_password(client):
    user = UserFactory()

    response = post_password(client, user.username, "wrong password")

    assert response.status_code == 200
    assert "The username or password is not correct." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_login_form_labels_every_input(client):
    body = client.get(LOGIN).content.decode()

    assert '<label for="id_username">' in body
    assert '<label for="id_password">' in body
    assert 'autocomplete="current-password"' in body
    assert "<h1>" in body


def test_failed_login_log_has_no_password(client, caplog):
    user = UserFactory()
    with caplog.at_level("WARNING", logger="examens.auth"):
        post_password(client, user.username, "hunter2-secret")

    assert caplog.records
    assert "hunter2-secret" not in caplog.text
    assert user.username not in caplog.text


def test_logout_needs_post(client):
    assert client.get(reverse("examens:logout")).status_code == 405


def test_logout_ends_the_session(verified_client):
    response = verified_client.post(reverse("examens:logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in verified_client.session


# --- forced enrolment -------------------------------------------------------------


def test_first_login_without_device_is_sent_to_enrolment(client):
    user = UserFactory()

    response = post_password(client, user.username)

    assert response.status_code == 302
    assert response.url == ENROL
    assert client.get(reverse("examens:home")).url.startswith(VERIFY)
    assert client.get(VERIFY).url.startswith(ENROL)


def test_login_with_device_is_sent_to_verification_keeping_next(client):
    user = UserFactory()
    add_totp_device(user)

    response = post_password(client, user.username, next="/candidates/")

    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next=%2Fcandidates%2F"
    assert not is_verified(client)


def test_enrolment_page_shows_qr_svg_and_base32_secret(client):
    user = UserFactory()
    post_password(client, user.username)

    client.post(ENROL, START)
    response = client.get(ENROL)

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    body = response.content.decode()
    secret = base64.b32encode(device.bin_key).decode()
    assert response.status_code == 200
    assert "<svg" in body
    assert "<?xml" not in body
    assert "".join(response.context["secret"].split()) == secret
    assert response.context["secret"] in body
    assert 'autocomplete="one-time-code"' in body
    assert 'inputmode="numeric"' in body


def test_enrolment_page_reuses_the_pending_device(client):
    user = UserFactory()
    post_password(client, user.username)

    client.post(ENROL, START)
    first = client.get(ENROL).context["secret"]
    client.post(ENROL, START)

    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert client.get(ENROL).context["secret"] == first


def test_enrolment_page_get_writes_nothing_and_offers_to_start(client):
    """The probe's finding: every GET made a pending device and an audit event."""
    user = UserFactory()
    post_password(client, user.username, next="/candidates/")
    events = AuditEvent.objects.count()

    first = client.get(f"{ENROL}?next=%2Fcandidates%2F")
    client.get(ENROL)

    body = first.content.decode()
    assert first.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.count() == events
    assert 'name="action" value="start"' in body
    assert 'name="next" value="/candidates/"' in body
    assert "<svg" not in body

    started = client.post(ENROL, {**START, "next": "/candidates/"})

    assert started.status_code == 302
    assert started.url == f"{ENROL}?next=%2Fcandidates%2F"
    assert TOTPDevice.objects.filter(user=user, confirmed=False).count() == 1
    assert AuditEvent.objects.filter(action="examens.otp.enrolment_started").count() == 1


def test_enrolment_confirmed_with_right_code_shows_ten_codes_mails_and_audits(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    post_password(client, user.username)
    client.post(ENROL, START)
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ENROL, {"name": "Work phone", "token": current_totp(device)})

    device.refresh_from_db()
    assert response.status_code == 302
    assert response.url == BACKUP_CODES
    assert device.confirmed
    assert device.name == "Work phone"
    assert is_verified(client)

    shown = client.get(BACKUP_CODES)
    codes = shown.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(code in shown.content.decode() for code in codes)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == (
        set(codes)
    )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "authenticator app was added" in message.body
    assert base64.b32encode(device.bin_key).decode() not in message.body
    assert not any(code in message.body for code in codes)

    event = AuditEvent.objects.get(action="examens.otp.device_added")
    assert event.actor == user
    assert event.object_id == str(device.pk)
    assert not any(code in str(event.data) for code in codes)


def test_backup_codes_are_shown_only_once(client):
    user = UserFactory()
    post_password(client, user.username)
    client.post(ENROL, START)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(ENROL, {"token": current_totp(device)})
    client.get(BACKUP_CODES)

    again = client.get(BACKUP_CODES)

    assert again.status_code == 302
    assert "codes" not in (again.context or {})


def test_enrolment_refused_with_wrong_code(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    post_password(client, user.username)
    client.post(ENROL, START)
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ENROL, {"token": wrong_code(device)})

    device.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 400  # refused, like every form in the product
    assert not device.confirmed
    assert "This code is not valid." in body
    assert 'aria-describedby="id_token_helptext id_token_error"' in body
    assert 'id="id_token_error"' in body
    assert not is_verified(client)
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="examens.otp.device_added").exists()


def test_enrolment_refused_to_unverified_user_who_already_has_a_device(client):
    """A stolen password must not be enough to add an attacker's app."""
    user = UserFactory()
    add_totp_device(user)
    post_password(client, user.username)

    response = client.get(ENROL)

    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_second_device_added_from_security_keeps_backup_codes(
    verified_client, django_capture_on_commit_callbacks
):
    mark_fresh(verified_client)
    user = verified_client.user
    old_codes = twofactor.regenerate_backup_codes(fresh_factor(user), actor=user)
    verified_client.post(ENROL, START)
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client.post(ENROL, {"token": current_totp(device)})

    assert response.url == SECURITY
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 2
    assert twofactor.backup_codes_remaining(user) == len(old_codes)
    assert len(mail.outbox) == 1


# --- verification -----------------------------------------------------------------


def test_verify_with_totp_code_verifies_the_session_and_follows_next(client):
    user = UserFactory()
    device = add_totp_device(user)
    post_password(client, user.username)

    response = client.post(VERIFY, {"token": current_totp(device), "next": "/candidates/"})

    assert response.status_code == 302
    assert response.url == "/candidates/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert AuditEvent.objects.filter(action="examens.otp.verified").count() == 1


def test_verify_ignores_next_pointing_off_site(client):
    user = UserFactory()
    device = add_totp_device(user)
    post_password(client, user.username)

    response = client.post(VERIFY, {"token": current_totp(device), "next": "https://evil.example/"})

    assert response.url == reverse("examens:home")


def test_verify_refuses_wrong_code(client):
    user = UserFactory()
    device = add_totp_device(user)
    post_password(client, user.username)

    response = client.post(VERIFY, {"token": wrong_code(device)})

    assert response.status_code == 400
    assert "This code is not valid." in response.content.decode()
    assert not is_verified(client)


def test_backup_code_verifies_once_and_not_twice(client):
    user = UserFactory()
    add_totp_device(user)
    codes = twofactor.regenerate_backup_codes(fresh_factor(user), actor=user)

    post_password(client, user.username)
    first = client.post(VERIFY, {"token": f" {codes[0].upper()} "})
    assert first.status_code == 302
    assert is_verified(client)
    client.post(reverse("examens:logout"))

    post_password(client, user.username)
    second = client.post(VERIFY, {"token": codes[0]})

    assert second.status_code == 400
    assert not is_verified(client)
    assert twofactor.backup_codes_remaining(user) == 9


def test_totp_login_does_not_count_against_the_backup_codes(client):
    user = UserFactory()
    device = add_totp_device(user)
    twofactor.regenerate_backup_codes(fresh_factor(user), actor=user)
    post_password(client, user.username)

    client.post(VERIFY, {"token": current_totp(device)})

    backup = user.staticdevice_set.get()
    assert backup.throttling_failure_count == 0


# --- security page and devices ----------------------------------------------------


def test_security_page_lists_my_devices_and_backup_count(verified_client):
    user = verified_client.user
    twofactor.regenerate_backup_codes(fresh_factor(user), actor=user)

    response = verified_client.get(SECURITY)

    assert response.status_code == 200
    assert [d.user for d in response.context["devices"]] == [user]
    assert response.context["backup_remaining"] == 10


def test_regenerating_backup_codes_replaces_old_ones(
    verified_client, django_capture_on_commit_callbacks
):
    mark_fresh(verified_client)
    user = verified_client.user
    old = twofactor.regenerate_backup_codes(fresh_factor(user), actor=user)

    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client.post(SECURITY, {"action": "regenerate-backup-codes"})

    assert response.url == BACKUP_CODES
    new = verified_client.get(BACKUP_CODES).context["codes"]
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == set(new)
    assert not stored & set(old)
    assert AuditEvent.objects.filter(action="examens.otp.backup_codes_regenerated").count() == 2
    assert len(mail.outbox) == 1  # the setup call ran outside the captured commit


def test_changing_devices_with_a_stale_factor_asks_for_a_code_first(verified_client):
    user = verified_client.user
    extra = TOTPDevice.objects.create(user=user, name="Old phone", confirmed=True)
    mark_fresh(verified_client, age_seconds=settings.OTP_FRESHNESS_SECONDS + 1)

    remove = verified_client.post(reverse("examens:device-remove", args=[extra.pk]))
    regenerate = verified_client.post(SECURITY, {"action": "regenerate-backup-codes"})
    enrol = verified_client.get(ENROL)

    for response in (remove, regenerate, enrol):
        assert response.status_code == 302
        assert response.url.startswith(reverse("examens:reverify"))
    assert TOTPDevice.objects.filter(pk=extra.pk).exists()
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()
    assert not AuditEvent.objects.filter(action__startswith="examens.otp.").exists()


def test_reverify_with_a_current_code_makes_the_factor_fresh_and_returns(verified_client):
    device = verified_client.user.totpdevice_set.get()
    response = verified_client.post(
        reverse("examens:reverify"), {"token": current_totp(device), "next": SECURITY}
    )
    assert response.status_code == 302
    assert response.url == SECURITY
    assert verified_client.post(SECURITY, {"action": "regenerate-backup-codes"}).url == (
        BACKUP_CODES
    )


def test_login_verification_stamps_the_factor_as_fresh(client):
    from examens.views.fresh import FRESH_SESSION_KEY

    user = UserFactory()
    device = add_totp_device(user)
    client.post(
        reverse("examens:login"), {"username": user.username, "password": "correct horse battery"}
    )
    client.post(reverse("examens:otp-verify"), {"token": current_totp(device)})
    assert FRESH_SESSION_KEY in client.session
