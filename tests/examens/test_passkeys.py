"""Passkeys beside TOTP: enrolment from the security page, removal, login, throttling."""

import datetime
import json
from unittest import mock
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.models import WebAuthnCredential

from examens import passkeys
from examens.exceptions import FreshFactorRequired, NotPermitted
from examens.models import AuditEvent
from examens.views.fresh import FRESH_SESSION_KEY
from tests.conftest import login_verified, mark_fresh
from tests.examens.factories import UserFactory, add_totp_device
from tests.examens.passkey_authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db

SECURITY = reverse("examens:security")
VERIFY = reverse("examens:otp-verify")
REVERIFY = reverse("examens:reverify")
NAME = reverse("examens:passkey-name")
REG_BEGIN = reverse("otp_webauthn:credential-registration-begin")
REG_COMPLETE = reverse("otp_webauthn:credential-registration-complete")
AUTH_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
AUTH_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")


@pytest.fixture(autouse=True)
def _relying_party(client, settings):
    settings.OTP_WEBAUTHN_RP_ID = "testserver"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://testserver"]
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    cache.clear()
    yield
    cache.clear()


def post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def enrol(client, user, name="Laptop") -> SoftAuthenticator:
    """Through the pages: a verified, fresh session names a key and registers it."""
    login_verified(client, user)
    mark_fresh(client)
    assert client.post(NAME, {"name": name}).status_code == 302
    key = SoftAuthenticator(origin="http://testserver", rp_id="testserver")
    options = post_json(client, REG_BEGIN).json()
    response = post_json(client, REG_COMPLETE, key.register(options))
    assert response.status_code == 200, response.content
    return key


def unverified_login(client, user):
    """The password step done: logged in, no second factor yet in this session."""
    client.force_login(user)
    assert DEVICE_ID_SESSION_KEY not in client.session


# --- security page and enrolment --------------------------------------------------------


def test_security_page_offers_adding_a_passkey_only_after_a_fresh_factor(client):
    user = UserFactory()
    login_verified(client, user)

    stale = client.get(SECURITY).content.decode()
    mark_fresh(client)
    fresh = client.get(SECURITY).content.decode()

    assert 'action="/account/security/passkeys/name/"' not in stale
    assert "Confirm with a code to add a passkey" in stale
    assert 'action="/account/security/passkeys/name/"' in fresh


def test_naming_a_passkey_without_a_fresh_factor_goes_to_confirmation(client):
    user = UserFactory()
    login_verified(client, user)

    response = client.post(NAME, {"name": "Laptop"})

    assert response.status_code == 302
    assert response["Location"].startswith(REVERIFY)
    assert "examens_passkey_name" not in client.session


def test_registration_ceremony_refused_without_a_fresh_factor(client):
    user = UserFactory()
    login_verified(client, user)

    response = post_json(client, REG_BEGIN)

    assert response.status_code == 403
    assert response.json()["code"] == "fresh_factor_required"


def test_enrolling_a_passkey_keeps_its_name_and_is_audited(client):
    user = UserFactory()

    enrol(client, user, name="Werklaptop")

    passkey = WebAuthnCredential.objects.get(user=user)
    assert passkey.name == "Werklaptop"
    event = AuditEvent.objects.get(action="examens.otp.passkey_added")
    assert event.actor_id == user.pk
    assert event.object_id == str(passkey.pk)
    assert event.data == {"device_name": "Werklaptop"}
    page = client.get(SECURITY).content.decode()
    assert "Werklaptop" in page


def test_a_forged_registration_writes_nothing(client):
    user = UserFactory()
    login_verified(client, user)
    mark_fresh(client)
    client.post(NAME, {"name": "Laptop"})
    key = SoftAuthenticator(origin="https://evil.example", rp_id="testserver")
    options = post_json(client, REG_BEGIN).json()

    response = post_json(client, REG_COMPLETE, key.register(options))

    assert response.status_code == 422
    assert not WebAuthnCredential.objects.exists()
    assert not AuditEvent.objects.filter(action="examens.otp.passkey_added").exists()


# --- removal ----------------------------------------------------------------------------


def test_removing_a_passkey_asks_on_a_page_of_its_own(client):
    user = UserFactory()
    enrol(client, user, name="Werklaptop")
    passkey = WebAuthnCredential.objects.get(user=user)
    url = reverse("examens:passkey-remove", args=[passkey.pk])

    security = client.get(SECURITY).content.decode()
    page = client.get(url)

    assert f'href="{url}"' in security  # a link to the question, not a removing button
    assert page.status_code == 200
    body = page.content.decode()
    assert "Remove the passkey?" in body
    assert "Werklaptop" in body
    assert f'<form method="post" action="{url}">' in body
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


def test_removing_a_passkey_is_audited_and_mailed(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    enrol(client, user)
    passkey = WebAuthnCredential.objects.get(user=user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("examens:passkey-remove", args=[passkey.pk]))

    assert response.status_code == 302
    assert response["Location"] == SECURITY
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    event = AuditEvent.objects.get(action="examens.otp.passkey_removed")
    assert event.actor_id == user.pk
    assert event.object_id == str(passkey.pk)
    assert event.data == {"device_name": "Laptop"}
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "passkey was removed" in mail.outbox[0].body
    assert user.totpdevice_set.filter(confirmed=True).exists()  # the app stays


def test_nobody_else_removes_my_passkey(client):
    owner = UserFactory()
    enrol(client, owner)
    passkey = WebAuthnCredential.objects.get(user=owner)
    other = UserFactory()
    add_totp_device(other)
    client.logout()
    login_verified(client, other)
    mark_fresh(client)
    url = reverse("examens:passkey-remove", args=[passkey.pk])

    asked = client.get(url)
    response = client.post(url)
    with pytest.raises(NotPermitted):
        passkeys.remove_passkey(passkey, actor=other)

    assert asked.status_code == 404
    assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert not AuditEvent.objects.filter(action="examens.otp.passkey_removed").exists()


def test_removal_needs_a_fresh_factor_and_comes_back_to_the_question(client):
    user = UserFactory()
    enrol(client, user)
    passkey = WebAuthnCredential.objects.get(user=user)
    url = reverse("examens:passkey-remove", args=[passkey.pk])
    session = client.session
    session[FRESH_SESSION_KEY] = 0
    session.save()

    asked = client.get(url)
    response = client.post(url)

    for answer in (asked, response):
        assert answer.status_code == 302
        assert answer["Location"] == f"{REVERIFY}?{urlencode({'next': url})}"
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


def test_the_removal_service_needs_a_fresh_factor(client):
    user = UserFactory()
    enrol(client, user)
    passkey = WebAuthnCredential.objects.get(user=user)
    stale = timezone.now() + datetime.timedelta(seconds=django_settings.OTP_FRESHNESS_SECONDS + 1)

    with (
        mock.patch("examens.authz.timezone.now", return_value=stale),
        pytest.raises(FreshFactorRequired),
    ):
        passkeys.remove_passkey(passkey, actor=user)

    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


# --- login and re-verification ----------------------------------------------------------


def test_verify_page_offers_a_passkey_only_to_users_with_one(client):
    with_key, without = UserFactory(), UserFactory()
    enrol(client, with_key)
    add_totp_device(without)

    client.logout()
    unverified_login(client, without)
    plain = client.get(VERIFY).content.decode()
    client.logout()
    unverified_login(client, with_key)
    offered = client.get(VERIFY).content.decode()

    assert 'id="passkey-verification-button"' not in plain
    assert 'name="token"' in plain
    assert 'id="passkey-verification-button"' in offered
    assert 'name="token"' in offered  # the code keeps working without JavaScript
    assert "Passkeys hebben JavaScript nodig" in offered  # logout dropped the en cookie


def test_a_passkey_logs_in_as_second_factor(client):
    user = UserFactory()
    key = enrol(client, user)
    client.logout()
    unverified_login(client, user)
    before = client.session.session_key

    options = post_json(client, AUTH_BEGIN).json()
    response = post_json(client, f"{AUTH_COMPLETE}?next=/candidates/", key.authenticate(options))

    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/candidates/"
    passkey = WebAuthnCredential.objects.get(user=user)
    assert client.session[DEVICE_ID_SESSION_KEY] == passkey.persistent_id
    assert client.session.session_key != before
    assert FRESH_SESSION_KEY in client.session
    event = AuditEvent.objects.filter(action="examens.otp.verified").latest("pk")
    assert event.data == {"kind": "passkey"}
    assert event.object_id == str(passkey.pk)


def test_no_passwordless_login(client):
    response = post_json(client, AUTH_BEGIN)

    # The login gate sends a visitor without a password to the login page: no options.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("examens:login"))


def test_wrong_passkey_answers_count_like_wrong_codes(client):
    user = UserFactory()
    key = enrol(client, user)
    client.logout()
    unverified_login(client, user)
    other_key = ec.generate_private_key(ec.SECP256R1())
    free = django_settings.LOGIN_THROTTLE["code"]["pair_free"]

    for _ in range(free + 1):
        options = post_json(client, AUTH_BEGIN).json()
        refused = post_json(client, AUTH_COMPLETE, key.authenticate(options, key=other_key))
        assert refused.status_code == 400
    options = post_json(client, AUTH_BEGIN).json()
    throttled = post_json(client, AUTH_COMPLETE, key.authenticate(options))

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) >= 1
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_wrong_passkey_answer_then_the_right_one_logs_in(client):
    user = UserFactory()
    key = enrol(client, user)
    client.logout()
    unverified_login(client, user)

    stranger = ec.generate_private_key(ec.SECP256R1())
    options = post_json(client, AUTH_BEGIN).json()
    wrong = post_json(client, AUTH_COMPLETE, key.authenticate(options, key=stranger))
    options = post_json(client, AUTH_BEGIN).json()
    right = post_json(client, AUTH_COMPLETE, key.authenticate(options))

    assert wrong.status_code == 400
    assert wrong.json()["code"] == "passkey_refused"
    assert right.status_code == 200, right.content
    assert DEVICE_ID_SESSION_KEY in client.session


def test_another_users_passkey_does_not_log_me_in(client):
    owner, other = UserFactory(), UserFactory()
    key = enrol(client, owner)
    client.logout()
    add_totp_device(other)
    unverified_login(client, other)

    options = post_json(client, AUTH_BEGIN).json()
    response = post_json(client, AUTH_COMPLETE, key.authenticate(options))

    assert response.status_code == 400
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert not AuditEvent.objects.filter(action="examens.otp.verified", actor=other).exists()


def test_the_confirmation_page_sends_the_passkey_back_to_its_own_next(client):
    user = UserFactory()
    enrol(client, user)

    page = client.get(f"{REVERIFY}?next=/candidates/").content.decode()

    config = json.loads(page.split('id="otp_webauthn_config"', 1)[1].split(">", 1)[1].split("<")[0])
    # base.html's language switch has an input named next too (the current page).
    assert config["nextFieldSelector"] == "#otp-next"
    assert page.count('id="otp-next"') == 1
    assert '<input type="hidden" name="next" value="/candidates/" id="otp-next">' in page
    assert 'nonce="' in page.split('id="otp_webauthn_config"', 1)[0].rsplit("<script", 1)[1]


def test_a_passkey_confirms_afresh_and_counts_as_a_fresh_factor(client):
    user = UserFactory()
    key = enrol(client, user)
    passkey = WebAuthnCredential.objects.get(user=user)
    session = client.session
    del session[FRESH_SESSION_KEY]
    session.save()
    device_before = client.session[DEVICE_ID_SESSION_KEY]
    key_before = client.session.session_key

    options = post_json(client, AUTH_BEGIN).json()
    response = post_json(client, f"{AUTH_COMPLETE}?next=/candidates/", key.authenticate(options))

    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/candidates/"
    assert FRESH_SESSION_KEY in client.session
    # Still the session and the device of the login: re-verification logs nobody in anew.
    assert client.session.session_key == key_before
    assert client.session[DEVICE_ID_SESSION_KEY] == device_before
    event = AuditEvent.objects.filter(action="examens.otp.verified").latest("pk")
    assert (event.actor_id, event.object_id, event.data) == (
        user.pk,
        str(passkey.pk),
        {"kind": "passkey"},
    )
    removed = client.post(reverse("examens:passkey-remove", args=[passkey.pk]))
    assert removed["Location"] == SECURITY  # the page's fresh check and the service's both pass
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


def test_re_verification_with_a_passkey_backs_off_only_after_repeated_failures(
    client, throttle_clock
):
    user = UserFactory()
    key = enrol(client, user)
    session = client.session
    del session[FRESH_SESSION_KEY]
    session.save()
    free = django_settings.LOGIN_THROTTLE["code"]["pair_free"]
    stranger = ec.generate_private_key(ec.SECP256R1())

    answers = []
    for _ in range(free):
        options = post_json(client, AUTH_BEGIN).json()
        answers.append(post_json(client, AUTH_COMPLETE, key.authenticate(options, key=stranger)))
    options = post_json(client, AUTH_BEGIN).json()
    admitted = post_json(client, AUTH_COMPLETE, key.authenticate(options))
    assert [a.status_code for a in answers] == [400] * free
    assert admitted.status_code == 200, admitted.content  # typos within the allowance cost nothing

    for _ in range(free + 1):
        options = post_json(client, AUTH_BEGIN).json()
        post_json(client, AUTH_COMPLETE, key.authenticate(options, key=stranger))
    options = post_json(client, AUTH_BEGIN).json()
    held = post_json(client, AUTH_COMPLETE, key.authenticate(options))
    throttle_clock.advance(int(held["Retry-After"]))
    options = post_json(client, AUTH_BEGIN).json()
    later = post_json(client, AUTH_COMPLETE, key.authenticate(options))

    assert held.status_code == 429
    assert later.status_code == 200, later.content
