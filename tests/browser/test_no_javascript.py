"""The core flows with JavaScript off: log in, plan, publish, book, verify."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from . import flows

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # what the form's local time means
pytestmark = pytest.mark.browser

PLANNER = "planner.taalcentrum"


@pytest.fixture(scope="module")
def page(new_context):
    return new_context(javascript=False).new_page()


def test_the_context_really_runs_no_script(page, server):
    page.goto(f"{server.url}/login/")
    page.set_content(
        "<p id=x>before</p><script>document.getElementById('x').textContent='ran'</script>"
    )
    expect(page.locator("#x")).to_have_text("before")


def test_a_planner_plans_publishes_and_books_without_javascript(page, world, authenticator):
    candidate = world["no_js"]
    flows.log_in(page, PLANNER, authenticator)
    starts = (datetime.datetime.now(AMSTERDAM) + datetime.timedelta(days=25)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    session_id = flows.plan_session(
        page, room="Lokaal 1", version="KNM-2026A", starts=starts, capacity=6
    )
    flows.publish(page, session_id)
    flows.book_from_search(page, session_id, candidate["name"])
    expect(page.get_by_role("status")).to_contain_text(candidate["name"])


def test_an_employer_sees_the_verdict_without_javascript(page, journey):
    page.goto(journey.verify_url)
    expect(page.locator("main")).to_contain_text("ingetrokken")
