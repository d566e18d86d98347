"""Removing an authenticator app (a TOTP device) from the security page: a page of its
own asks (GET, nothing changes), the POST removes through twofactor.remove_device. The
passkey's question (tests/examens/test_passkeys.py) is the same page and view helper."""

import time
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from examens.models import AuditEvent
from examens.views.fresh import FRESH_SESSION_KEY
from tests.conftest import login_verified, mark_fresh
from tests.examens.factories import UserFactory, add_totp_device

pytestmark = pytest.mark.django_db

SECURITY = reverse("examens:security")
REVERIFY = reverse("examens:reverify")
REMOVED = "examens.otp.device_removed"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def two_apps(verified_client):
    """The signed-in user's apps: the one they logged in with and an old phone."""
    user = verified_client.user
    first = user.totpdevice_set.get()
    extra = TOTPDevice.objects.create(user=user, name="Old phone", confirmed=True)
    mark_fresh(verified_client)
    return first, extra


def remove_url(device) -> str:
    return reverse("examens:device-remove", args=[device.pk])


def test_the_security_page_links_to_the_question_instead_of_removing(verified_client, two_apps):
    first, extra = two_apps

    page = verified_client.get(SECURITY).content.decode()

    for device in (first, extra):
        assert f'<a class="button danger" href="{remove_url(device)}">' in page
        assert f'action="{remove_url(device)}"' not in page  # no form that removes at once


def test_the_question_names_the_app_and_changes_nothing(verified_client, two_apps):
    _, extra = two_apps
    events = AuditEvent.objects.count()

    response = verified_client.get(remove_url(extra))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Remove the authenticator app?</h1>" in body
    assert "“Old phone” no longer gives you login codes" in body
    assert f'<form method="post" action="{remove_url(extra)}">' in body
    assert '<button type="submit" class="button danger">' in body
    assert f'<a class="button secondary" href="{SECURITY}">' in body  # the way back
    assert TOTPDevice.objects.filter(pk=extra.pk).exists()
    assert AuditEvent.objects.count() == events
    assert mail.outbox == []


def test_the_post_removes_audits_and_mails(
    verified_client, two_apps, django_capture_on_commit_callbacks
):
    first, extra = two_apps

    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client.post(remove_url(extra))

    assert response.status_code == 302
    assert response["Location"] == SECURITY
    assert not TOTPDevice.objects.filter(pk=extra.pk).exists()
    assert TOTPDevice.objects.filter(pk=first.pk).exists()
    event = AuditEvent.objects.get(action=REMOVED)
    assert event.actor_id == verified_client.user.pk
    assert event.object_id == str(extra.pk)
    assert event.data == {"device_name": "Old phone", "remaining": 1}
    assert len(mail.outbox) == 1
    assert "authenticator app was removed" in mail.outbox[0].body
    assert "“Old phone” was removed" in verified_client.get(SECURITY).content.decode()


def test_the_only_app_is_explained_not_offered(verified_client, django_capture_on_commit_callbacks):
    mark_fresh(verified_client)
    device = verified_client.user.totpdevice_set.get()

    page = verified_client.get(SECURITY).content.decode()
    asked = verified_client.get(remove_url(device))
    with django_capture_on_commit_callbacks(execute=True):
        posted = verified_client.post(remove_url(device), follow=True)

    assert f'href="{remove_url(device)}"' not in page
    assert "Your only app cannot be removed." in page
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "You cannot remove your only authenticator app. Add another one first." in body
    assert "<form" not in body.split("<main", 1)[1].split("</main>", 1)[0]  # no remove button
    assert posted.redirect_chain == [(SECURITY, 302)]
    assert "You cannot remove your only authenticator app." in posted.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(action=REMOVED).exists()
    assert mail.outbox == []


def test_another_users_app_is_not_found(verified_client):
    other = add_totp_device(UserFactory())
    TOTPDevice.objects.create(user=other.user, name="second", confirmed=True)
    mark_fresh(verified_client)

    asked = verified_client.get(remove_url(other))
    posted = verified_client.post(remove_url(other))

    assert asked.status_code == 404
    assert posted.status_code == 404
    assert TOTPDevice.objects.filter(pk=other.pk).exists()
    assert not AuditEvent.objects.filter(action=REMOVED).exists()


def test_a_stale_factor_confirms_first_and_comes_back_to_the_question(verified_client, two_apps):
    _, extra = two_apps
    mark_fresh(verified_client, age_seconds=settings.OTP_FRESHNESS_SECONDS + 1)
    url = remove_url(extra)

    asked = verified_client.get(url)
    posted = verified_client.post(url)

    for answer in (asked, posted):
        assert answer.status_code == 302
        assert answer["Location"] == f"{REVERIFY}?{urlencode({'next': url})}"
    assert TOTPDevice.objects.filter(pk=extra.pk).exists()
    assert not AuditEvent.objects.filter(action=REMOVED).exists()


def test_the_service_refuses_a_stale_factor_even_past_the_page(client):
    """The page's session stamp is fresh but the person's last code is old: the
    service's own check (examens.authz) refuses, and nothing is removed."""
    user = UserFactory()
    add_totp_device(user)
    extra = TOTPDevice.objects.create(user=user, name="Old phone", confirmed=True)
    login_verified(client, user)
    session = client.session
    session[FRESH_SESSION_KEY] = time.time()  # no code verified: no examens.otp.verified
    session.save()

    response = client.post(remove_url(extra))

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=extra.pk).exists()
    assert not AuditEvent.objects.filter(action=REMOVED).exists()
