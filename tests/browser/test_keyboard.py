"""The booking and the verification done with the keyboard alone (WCAG 2.1.1)."""

import pytest
from playwright.sync_api import expect

from .keyboard import activate, type_into

pytestmark = pytest.mark.browser

PLANNER = "planner.utrecht"


def _log_in_by_keyboard(page, username, authenticator):
    page.goto("/login/")
    type_into(page, page.locator("input[name=username]"), username)
    type_into(page, page.locator("input[name=password]"), "demo-wachtwoord")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    type_into(page, page.locator("input[name=token]"), authenticator.code(username))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login/" not in page.url


def test_a_planner_books_a_candidate_with_the_keyboard_alone(new_context, world, authenticator):
    page = new_context().new_page()
    candidate = world["keyboard"]
    _log_in_by_keyboard(page, PLANNER, authenticator)
    activate(page, page.locator("header nav a[href='/planning/']"))
    # Next week: sessions whose booking is still open.
    activate(page, page.locator("main a[href*='?week=']").nth(1))
    activate(page, page.locator("main table a[href*='/planning/sessions/']").first)
    activate(page, page.locator("main a[href$='/book/']"))
    type_into(page, page.locator("input[name=q]"), candidate["name"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    row = page.locator("tr", has=page.get_by_role("rowheader", name=candidate["name"], exact=True))
    expect(row).to_contain_text("Ja")
    activate(page, row.locator("form button[type=submit]"))
    expect(page.get_by_role("status")).to_contain_text(candidate["name"])


def test_an_employer_reads_the_verdict_and_switches_language_with_the_keyboard(
    new_context, journey
):
    page = new_context().new_page()
    page.goto(journey.verify_url)
    expect(page.locator("main")).to_contain_text("ingetrokken")
    activate(page, page.locator("form.lang-switch button, button[name=language]").first)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_contain_text("revoked")
