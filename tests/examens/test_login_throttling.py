"""Login throttling through the real pages: passwords, codes, re-verification, proxies.

The clock is the test's (settings.THROTTLE_CLOCK); the rules are the product's
own settings, so these tests speak for the figures in decision 0012.
"""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from examens.views.known import COOKIE_NAME
from tests.conftest import mark_fresh
from tests.examens.factories import UserFactory, add_totp_device, current_totp

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LOGIN = reverse("examens:login")
VERIFY = reverse("examens:otp-verify")
REVERIFY = reverse("examens:reverify")
OWNER_IP = "192.0.2.10"
PASSWORDS = settings.LOGIN_THROTTLE["password"]
CODES = settings.LOGIN_THROTTLE["code"]


@pytest.fixture(autouse=True)
def _fast_and_english(client, settings, throttle_clock):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def clock(throttle_clock):
    return throttle_clock


def post_password(client, username, password=PASSWORD, ip=OWNER_IP, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def post_code(client, token, ip=OWNER_IP, url=VERIFY):
    return client.post(url, {"token": token}, REMOTE_ADDR=ip)


def totp_at(device, steps_ahead: int) -> str:
    """The device's code `steps_ahead` periods from now (a code is accepted once only)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device) -> str:
    return f"{(int(current_totp(device)) + 500_000) % 1_000_000:06d}"


def fail_from_many_addresses(username, count, *, prefix="198.51.100"):
    """An attacker's wrong passwords, one from each of `count` addresses."""
    attacker = Client()
    return [
        post_password(attacker, username, "wrong", ip=f"{prefix}.{n}").status_code
        for n in range(count)
    ]


def owner_with_known_browser(user):
    """The owner's browser after a full login (password and code), logged out again."""
    device = add_totp_device(user)
    browser = Client()
    post_password(browser, user.username)
    assert post_code(browser, current_totp(device)).status_code == 302
    assert COOKIE_NAME in browser.cookies
    browser.post(reverse("examens:logout"))
    return browser, device


# --- the password --------------------------------------------------------------------


def test_the_wait_doubles_and_the_right_password_waits_too(client, clock):
    user = UserFactory()
    for _ in range(PASSWORDS["pair_free"]):
        assert post_password(client, user.username, "wrong").status_code == 200

    waits = []
    for _ in range(5):
        assert post_password(client, user.username, "wrong").status_code == 200
        refused = post_password(client, user.username, "wrong")
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        clock.advance(waits[-1])
    post_password(client, user.username, "wrong")
    right_too_soon = post_password(client, user.username)
    clock.advance(int(right_too_soon["Retry-After"]))
    right_in_time = post_password(client, user.username)

    assert waits == [2, 4, 8, 16, 32]
    assert right_too_soon.status_code == 429
    assert "Too many failed attempts. Try again in 2 minutes." in right_too_soon.content.decode()
    assert right_in_time.status_code == 302


def test_failures_from_other_addresses_do_not_lock_the_owner_out(client):
    user = UserFactory()
    statuses = fail_from_many_addresses(user.username, 3 * PASSWORDS["account_free"])

    response = post_password(client, user.username)

    assert set(statuses) == {200}  # each new address tried once
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_an_owner_who_mistyped_waits_at_most_the_longest_wait(client, clock):
    user = UserFactory()
    fail_from_many_addresses(user.username, 3 * PASSWORDS["account_free"])
    post_password(client, user.username, "typo")

    refused = post_password(client, user.username)
    for n in range(60):  # the attacker goes on from new addresses, once a minute
        clock.advance(60)
        post_password(Client(), user.username, "wrong", ip=f"203.0.113.{n}")
    clock.advance(PASSWORDS["max_wait"] - 60 * 60)
    admitted = post_password(client, user.username)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) <= PASSWORDS["max_wait"]
    assert admitted.status_code == 302


def test_a_known_browser_is_not_held_back_by_the_attack_even_after_a_typo():
    user = UserFactory()
    browser, _device = owner_with_known_browser(user)
    fail_from_many_addresses(user.username, 3 * PASSWORDS["account_free"])

    typo = post_password(browser, user.username, "typo")
    right = post_password(browser, user.username)

    assert typo.status_code == 200
    assert right.status_code == 302


def test_one_address_trying_many_accounts_is_slowed_and_others_are_not(client):
    user = UserFactory()
    spray = Client()
    for n in range(PASSWORDS["address_free"] + 1):
        assert post_password(spray, f"nobody{n}", "wrong", ip="203.0.113.7").status_code == 200

    same_address = post_password(client, user.username, ip="203.0.113.7")
    elsewhere = post_password(client, user.username, ip="203.0.113.8")

    assert same_address.status_code == 429
    assert elsewhere.status_code == 302


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, settings):
    """Rotating X-Forwarded-For buys the attacker nothing: one address, one count. The
    price without the setting behind a real proxy: the owner shares the proxy's count."""
    settings.TRUSTED_PROXIES = []
    user = UserFactory()
    attacker = Client()
    statuses = [
        post_password(
            attacker, user.username, "wrong", ip="10.0.0.5", HTTP_X_FORWARDED_FOR=f"10.9.0.{n}"
        ).status_code
        for n in range(PASSWORDS["pair_free"] + 2)
    ]

    owner = post_password(client, user.username, ip="10.0.0.5", HTTP_X_FORWARDED_FOR=OWNER_IP)

    assert statuses[-1] == 429
    assert owner.status_code == 429


def test_forwarded_for_from_a_trusted_proxy_separates_its_clients(client, settings):
    """Behind the proxy, the attacker's failures are theirs; the owner behind the same
    proxy (here through a second one) gets in."""
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    user = UserFactory()
    attacker = Client()
    for _ in range(PASSWORDS["pair_free"] + 2):
        last = post_password(
            attacker, user.username, "wrong", ip="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.66"
        )

    owner = post_password(
        client, user.username, ip="10.0.0.5", HTTP_X_FORWARDED_FOR=f"{OWNER_IP}, 10.0.0.5"
    )

    assert last.status_code == 429
    assert owner.status_code == 302


# --- the second factor ------------------------------------------------------------------


def test_code_guesses_per_account_are_bounded_whatever_the_addresses(client, clock):
    """Someone who knows the password guesses codes from a new address each time, for a
    simulated day, as fast as the answers allow."""
    user = UserFactory()
    device = add_totp_device(user)
    post_password(client, user.username)
    guessed = refused = last_hour = 0
    end = clock.now + 24 * 3600
    n = 0
    while clock.now < end and n < 1000:  # far more tries than the rules let through
        n += 1
        response = post_code(client, wrong_code(device), ip=f"198.51.{n // 250}.{n % 250}")
        if response.status_code == 429:
            refused += 1
            clock.advance(int(response["Retry-After"]))
            continue
        assert response.status_code == 400
        guessed += 1
        last_hour += clock.now > end - 3600

    ramp = CODES["max_wait"].bit_length()  # 2, 4, 8, ... up to the longest wait
    assert guessed <= CODES["account_free"] + 1 + ramp + 24 * 3600 // CODES["max_wait"]
    assert last_hour <= 3600 // CODES["max_wait"] + 1
    assert refused > 0
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_the_owner_gets_in_from_a_known_browser_while_codes_are_guessed(client, clock):
    user = UserFactory()
    browser, device = owner_with_known_browser(user)
    post_password(client, user.username, ip="198.51.100.1")
    for n in range(CODES["account_free"] + 4):
        post_code(client, wrong_code(device), ip=f"198.51.100.{n}")

    stranger = Client()
    post_password(stranger, user.username, ip="192.0.2.99")
    new_browser = post_code(stranger, totp_at(device, 1), ip="192.0.2.99")
    post_password(browser, user.username)
    known = post_code(browser, totp_at(device, 1))

    assert new_browser.status_code == 429  # the price: a new browser waits like the attacker
    assert known.status_code == 302
    assert DEVICE_ID_SESSION_KEY in browser.session


def test_the_owner_is_mailed_once_when_codes_are_guessed_after_their_password(
    client, clock, django_capture_on_commit_callbacks
):
    user = UserFactory()
    device = add_totp_device(user)
    post_password(client, user.username)

    guessed = n = 0
    with django_capture_on_commit_callbacks(execute=True):
        while guessed < CODES["account_free"] + 6:
            n += 1
            response = post_code(client, wrong_code(device), ip=f"198.51.100.{n}")
            if response.status_code == 429:
                clock.advance(int(response["Retry-After"]))
            else:
                guessed += 1

    warnings = [m for m in mail.outbox if "Many wrong codes" in m.subject]
    assert len(warnings) == 1
    assert warnings[0].to == [user.email]
    assert wrong_code(device) not in warnings[0].body


def test_the_code_page_says_how_long_to_wait(client):
    user = UserFactory()
    device = add_totp_device(user)
    post_password(client, user.username)
    for _ in range(CODES["pair_free"] + 1):
        post_code(client, wrong_code(device))

    response = post_code(client, current_totp(device))

    assert response.status_code == 429
    assert response["Retry-After"] == "2"
    assert "Too many wrong codes. Try again in 2 seconds." in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_re_verification_counts_with_the_login_codes(verified_client, clock):
    device = verified_client.user.totpdevice_set.get()
    mark_fresh(verified_client, age_seconds=settings.OTP_FRESHNESS_SECONDS + 1)
    for _ in range(CODES["pair_free"] + 1):
        assert post_code(verified_client, wrong_code(device), url=REVERIFY).status_code == 400

    refused = post_code(verified_client, current_totp(device), url=REVERIFY)
    clock.advance(int(refused["Retry-After"]))
    admitted = post_code(verified_client, current_totp(device), url=REVERIFY)

    assert refused.status_code == 429
    assert admitted.status_code == 302


def test_re_verification_admits_the_right_code_after_one_typo():
    user = UserFactory(password=PASSWORD)
    browser, device = owner_with_known_browser(user)
    post_password(browser, user.username)
    assert post_code(browser, totp_at(device, 1)).status_code == 302
    mark_fresh(browser, age_seconds=settings.OTP_FRESHNESS_SECONDS + 1)

    typo = post_code(browser, wrong_code(device), url=REVERIFY)
    admitted = post_code(browser, totp_at(device, 2), url=REVERIFY)

    assert typo.status_code == 400
    assert admitted.status_code == 302
