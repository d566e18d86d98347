"""Response headers: a strict Content-Security-Policy on every page, staff answers never
stored, the language cookie with the session cookie's flags.

tests/page_policy.py checks the CSP and Cache-Control of every response the whole suite
renders; these tests pin the policy itself and prove that the check can fail.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests import page_policy

pytestmark = pytest.mark.django_db

STRICT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def test_public_and_staff_pages_carry_the_strict_policy(verified_client):
    anonymous = Client()
    pages = [
        anonymous.get(reverse("examens:login")),
        anonymous.get(reverse("certificates:verify", args=["nonsense"])),
        verified_client.get(reverse("examens:home")),
        verified_client.get(reverse("examens:candidate-list")),
        verified_client.get(reverse("examens:security")),
    ]
    for response in pages:
        assert response.status_code == 200
        header = response["Content-Security-Policy"]
        assert page_policy.policy_directives(header) == STRICT_POLICY
        assert "unsafe" not in header
        assert page_policy.csp_problems(header, response.content.decode()) == []


def test_the_policy_check_finds_what_the_policy_would_refuse():
    header = "; ".join(f"{name} {value}" for name, value in STRICT_POLICY.items())
    nonced = header.replace("script-src 'self'", "script-src 'self' 'nonce-abc'")
    refused = {
        "<script>alert(1)</script>": "an inline script without the header's nonce",
        '<script nonce="xyz">go()</script>': "an inline script without the header's nonce",
        "<style>p{}</style>": "a <style> block",
        '<p style="color:red">x</p>': "a style attribute",
        '<button onclick="go()">x</button>': "an event handler attribute",
        '<a href="javascript:go()">x</a>': "a javascript: URL",
        '<script src="https://cdn.example.com/x.js"></script>': "a resource from another origin",
        '<link rel="stylesheet" href="//cdn.example.com/x.css">': "a resource from another origin",
    }
    for html, problem in refused.items():
        assert page_policy.csp_problems(nonced, html) == [problem], html
    assert page_policy.csp_problems(nonced, '<script nonce="abc">go()</script>') == []
    assert page_policy.csp_problems(nonced, '<script src="/static/x.js"></script>') == []
    assert page_policy.csp_problems(nonced, '<a href="https://duo.nl/">DUO</a>') == []
    assert page_policy.csp_problems(None, "<p>") == ["no Content-Security-Policy header"]
    assert "the policy allows 'unsafe-inline'" in page_policy.csp_problems(
        header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"), "<p>"
    )


def test_api_docs_page_passes_the_policy_with_swagger_ui_served_from_here(client):
    """Swagger UI from this site (drf-spectacular-sidecar's static files, the split view):
    its start-up script is a file too, its page style is a file, and the one widening is
    `data:` images for its icons."""
    response = client.get(reverse("api-docs"))

    html = response.content.decode()
    header = response["Content-Security-Policy"]
    directives = page_policy.policy_directives(header)
    assert response.status_code == 200
    assert page_policy.csp_problems(header, html) == []
    assert "nonce" not in header
    assert "<script>" not in html
    assert directives["img-src"] == "'self' data:"
    assert directives["style-src"] == "'self'"
    assert "/static/examens/api-docs.css" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html


def test_a_nonce_appears_only_on_pages_that_use_it(client):
    header = client.get(reverse("examens:login"))["Content-Security-Policy"]

    assert "nonce" not in header


def test_staff_answers_are_private_and_not_stored(verified_client):
    anonymous = Client()
    staff = [
        verified_client.get(reverse("examens:home")),
        verified_client.get(reverse("examens:candidate-list")),
        verified_client.get("/api/v1/catalogue/components/"),
        anonymous.get(reverse("examens:home")),  # the redirect to the login page too
    ]
    public_keys = anonymous.get(reverse("certificates:public-keys"))

    for response in staff:
        assert page_policy.cache_problem(response) is None, response["Cache-Control"]
    assert public_keys["Cache-Control"] == "public, max-age=300"


def test_the_language_cookie_has_the_session_cookies_flags(verified_client, settings):
    response = verified_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    language = response.cookies[settings.LANGUAGE_COOKIE_NAME]

    assert language.value == "en"
    assert language["httponly"] is True
    assert language["samesite"] == settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert bool(language["secure"]) == settings.SESSION_COOKIE_SECURE
    assert settings.LANGUAGE_COOKIE_SECURE == settings.SESSION_COOKIE_SECURE
    assert settings.LANGUAGE_COOKIE_HTTPONLY == settings.SESSION_COOKIE_HTTPONLY
    assert settings.LANGUAGE_COOKIE_SAMESITE == settings.SESSION_COOKIE_SAMESITE
