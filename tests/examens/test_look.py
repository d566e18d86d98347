"""The look (decision 0020): the vendored NL Design System, static files served by the
application, branded error pages in both languages, the favicon and the navigation
by role."""

import importlib.util
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import include, path, reverse

from examens.models import Role
from tests.conftest import login_verified
from tests.examens.factories import AgencyFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "examens" / "static" / "examens" / "vendor" / "nlds"


def design_system_module():
    source = ROOT / ".ci" / "design_system.py"
    spec = importlib.util.spec_from_file_location("design_system", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendored_design_system_matches_the_lock_file():
    assert design_system_module().problems() == []
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@utrecht/component-library-css"]["version"] == "9.0.4"


def test_the_check_notices_a_vendored_file_that_was_edited(tmp_path):
    module = design_system_module()
    copy = tmp_path / "examens" / "static" / "examens" / "vendor" / "nlds"
    copy.mkdir(parents=True)
    for item in VENDOR.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    (tmp_path / "package-lock.json").write_bytes((ROOT / "package-lock.json").read_bytes())
    assert module.problems(tmp_path) == []
    (copy / "utrecht-components.css").write_text("/* hand-edited */")
    assert module.problems(tmp_path) == [
        "@utrecht/component-library-css: utrecht-components.css differs from the vendored release"
    ]


def test_the_vendored_packages_carry_their_licences():
    for name in ("LICENCE-utrecht-component-library-css.md", "LICENCE-voorbeeld-design-tokens.md"):
        assert "EUROPEAN UNION PUBLIC LICENCE" in (VENDOR / name).read_text()


@override_settings(DEBUG=False)
def test_static_files_are_served_by_the_application_without_debug(client):
    """Under gunicorn (DEBUG off) the CSS comes from WhiteNoise, not from runserver."""
    for url in (
        "/static/examens/site.css",
        "/static/examens/vendor/nlds/utrecht-components.css",
        "/static/examens/favicon.svg",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content)
        assert body == (ROOT / "examens" / url.removeprefix("/")).read_bytes()


def test_every_page_links_the_design_system_and_the_favicon(client):
    html = client.get("/login/").content.decode()
    assert 'class="utrecht-html voorbeeld-theme"' in html
    assert "/static/examens/vendor/nlds/voorbeeld-theme.css" in html
    assert '<link rel="icon" href="/static/examens/favicon.svg"' in html


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_missing_page_gets_the_branded_404_in_both_languages(client, settings, debug, language):
    settings.DEBUG = debug
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}"' in html
    assert 'data-status="404"' in html
    assert 'href="/"' in html


def failing_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("fail/", failing_view), path("", include("config.urls"))]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_an_error_gets_the_branded_500_in_both_languages(settings, debug, language, caplog):
    settings.DEBUG = debug
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    login_verified(client, MembershipFactory().user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/fail/")
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}"' in html
    assert 'data-status="500"' in html
    assert "boom" not in html
    assert "Traceback" not in html
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_page_outside_ones_role_answers_the_branded_403_with_a_link_home(client, language):
    officer = MembershipFactory(role=Role.OFFICER)
    login_verified(client, officer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in (reverse("scheduling:week"), reverse("grading:worklist")):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 403, url
        assert f'<html lang="{language}"' in html
        assert 'data-status="403"' in html
        assert '<a class="button" href="/">' in html


def test_the_navigation_shows_only_the_entries_of_ones_roles(client):
    officer = MembershipFactory(role=Role.OFFICER)
    login_verified(client, officer.user)
    nav = client.get("/").content.decode().split('class="site-nav"')[1].split("</nav>")[0]
    assert reverse("scheduling:week") not in nav
    assert reverse("grading:worklist") not in nav

    planner = MembershipFactory(role=Role.PLANNER)
    login_verified(client, planner.user)
    nav = client.get("/").content.decode().split('class="site-nav"')[1].split("</nav>")[0]
    assert reverse("scheduling:week") in nav
    assert reverse("grading:worklist") not in nav
    assert client.get(reverse("scheduling:week")).status_code == 200


@pytest.mark.parametrize("role", [Role.OFFICER, Role.PLANNER, Role.EXAMINER, Role.ADMIN])
@pytest.mark.parametrize("agency", [False, True], ids=["municipality", "agency"])
def test_every_navigation_entry_opens_for_the_user_it_is_shown_to(client, role, agency):
    """No link in the navigation or on the home page's cards answers 403: the national
    view is the agency's, so a municipality's officer does not see it, while the agency's
    officer does."""
    organisation = AgencyFactory() if agency else OrganisationFactory()
    member = MembershipFactory(role=role, organisation=organisation)
    login_verified(client, member.user)
    home = client.get("/").content.decode()
    nav = home.split('class="site-nav"')[1].split("</nav>")[0]
    links = re.findall(r'<a href="(/[^"]*)"', nav)
    cards = "".join(re.findall(r'<section class="card".*?</section>', home, re.S))
    assert links
    for url in links + re.findall(r'<a href="(/[^"]*)"', cards):
        assert client.get(url).status_code == 200, url
    national = reverse("monitoring:national")
    assert (national in links) == (agency and role == Role.OFFICER)


def test_every_template_table_sits_in_a_named_focusable_region():
    """axe-core's scrollable-region-focusable: a table that scrolls sideways at 320 px
    must be reachable by keyboard and named, so each one sits in the region wrapper."""
    wrapper = re.compile(
        r'<div class="table-wrap" role="region" tabindex="0" aria-label(?:ledby)?="[^"]+">\s*'
        r"<table\b"
    )
    outside, tables = [], 0
    for template in ROOT.glob("*/templates/**/*.html"):
        html = template.read_text()
        tables += html.count("<table")
        if html.count("<table") != len(wrapper.findall(html)):
            outside.append(str(template.relative_to(ROOT)))
    assert tables > 30  # the walk found the apps' templates
    assert outside == []
