"""What people do in the product, as a browser does it: fill, click, follow.

Forms are found by their action (the URL patterns are stable), fields by name;
a Dutch page is what a user sees first, so texts asserted are Dutch.
"""

from __future__ import annotations

import datetime
import re

from playwright.sync_api import Page, expect

from .totp import Authenticator

SUBMIT = "button[type=submit]"


def submit(page: Page, form_selector: str = "main form") -> None:
    with page.expect_navigation():
        page.locator(form_selector).last.locator(SUBMIT).first.click()


def log_in(page: Page, username: str, authenticator: Authenticator, audit=None) -> None:
    """Password, then a TOTP code computed from the demo's secret."""
    page.goto("/login/")
    if audit:
        audit(page, "login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo-wachtwoord")
    submit(page)
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    if audit:
        audit(page, "login-code")
    page.fill("input[name=token]", authenticator.code(username))
    submit(page)
    expect(page.locator("main h1")).to_be_visible()
    assert "/login/" not in page.url, page.url


def confirm_fresh_code(page: Page, username: str, authenticator: Authenticator) -> bool:
    """When a sensitive page asks for a fresh code, enter one; True when it asked."""
    if "/account/confirm/" not in page.url:
        return False
    page.fill("input[name=token]", authenticator.code(username))
    submit(page)
    return True


def select_containing(page: Page, selector: str, text: str) -> None:
    """Choose the first option of `selector` whose label contains `text`."""
    option = page.locator(f"{selector} option", has_text=text).first
    page.select_option(selector, value=option.get_attribute("value"))


def plan_session(
    page: Page, *, room: str, version: str, starts: datetime.datetime, capacity: int
) -> int:
    page.goto("/planning/sessions/new/")
    select_containing(page, "select[name=room]", room)
    select_containing(page, "select[name=exam_version]", version)
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=capacity]", str(capacity))
    submit(page)
    match = re.search(r"/planning/sessions/(\d+)/$", page.url)
    assert match, f"no session page after planning: {page.url}"
    return int(match.group(1))


def publish(page: Page, session_id: int) -> None:
    page.goto(f"/planning/sessions/{session_id}/")
    submit(page, f"form[action$='/sessions/{session_id}/publish/']")


def assign_staff(page: Page, session_id: int, *, person: str, role: str) -> None:
    page.goto(f"/planning/sessions/{session_id}/")
    form = f"form[action$='/sessions/{session_id}/staff/']"
    select_containing(page, f"{form} select[name=user]", person)
    page.select_option(f"{form} select[name=role]", value=role)
    submit(page, form)


def search_to_book(page: Page, session_id: int, name: str):
    """Search the candidate by name on the booking page; their result row."""
    page.goto(f"/planning/sessions/{session_id}/book/")
    page.fill("input[name=q]", name)
    submit(page, "form[role=search]")
    return page.locator("tr", has=page.get_by_role("rowheader", name=name, exact=True))


def open_eligibility(page: Page, session_id: int, name: str) -> None:
    """Search a candidate who cannot be booked and open why not."""
    row = search_to_book(page, session_id, name)
    with page.expect_navigation():
        row.get_by_role("link").first.click()


def book_from_search(page: Page, session_id: int, name: str) -> None:
    """Search a candidate who can be booked and book them from their result row."""
    row = search_to_book(page, session_id, name)
    with page.expect_navigation():
        row.locator("form button[type=submit]").click()
