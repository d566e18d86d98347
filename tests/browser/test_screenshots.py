"""The monitoring pages, which the journey does not pass: audited as the journey's
pages are (axe-core A/AA, reflow, focus at 1280 and 320 px), each as the person it
is for, and with SCREENSHOTS=1 photographed for the README at 1280 px.

The journey's own screenshots (login, home, week, session, candidates, worklist,
verification, progress) are taken by tests/browser/journey.py as it passes.
"""

import pytest

from .checks import PageAudit
from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

# name: (demo account, path). The overview is a municipality's, the national view the
# agency's; capacity is for planners (and officers).
MONITORING_PAGES = {
    "monitoring-overview": ("ambtenaar.utrecht", "/monitoring/overview/"),
    "monitoring-at-risk": ("ambtenaar.utrecht", "/monitoring/at-risk/"),
    "monitoring-national": ("medewerker.duo", "/monitoring/national/"),
    "monitoring-capacity": ("planner.duo", "/monitoring/capacity/"),
}
# name: the height photographed (None: the whole page). The capacity view runs to one
# table per row (25,000 px): its top, down to the chart and the totals, is the picture.
SCREENSHOTTED = {"monitoring-overview": None, "monitoring-capacity": 1500}
CHARTS = ("monitoring-overview", "monitoring-national", "monitoring-capacity")


@pytest.fixture(scope="module")
def page_of(new_context, authenticator):
    """One logged-in browser page per demo account, opened on first use."""
    from . import flows

    pages = {}

    def open_as(username: str):
        if username not in pages:
            page = new_context().new_page()
            flows.log_in(page, username, authenticator)
            pages[username] = page
        return pages[username]

    return open_as


def visit(page_of, name: str):
    username, path = MONITORING_PAGES[name]
    page = page_of(username)
    answer = page.goto(path)
    assert answer is not None, path
    assert answer.ok, f"{path} answered {answer.status} to {username}"
    return page


@pytest.fixture(scope="module")
def monitoring_audit(page_of):
    audit = PageAudit()
    for name in MONITORING_PAGES:
        audit.audit(visit(page_of, name), name)
    return audit


def test_the_monitoring_pages_were_audited_at_both_widths(monitoring_audit):
    assert sorted(monitoring_audit.findings) == sorted(
        f"{name}@{width}" for name in MONITORING_PAGES for width in (1280, 320)
    )


@pytest.mark.parametrize("check", ["axe", "reflow", "focus"])
def test_the_monitoring_pages_pass_the_checks(monitoring_audit, check):
    assert monitoring_audit.report(check) == []


@pytest.mark.skipif(not SCREENSHOTS, reason="screenshots are taken with SCREENSHOTS=1")
@pytest.mark.parametrize("name", SCREENSHOTTED)
def test_monitoring_screenshot(page_of, screenshot, name):
    height = SCREENSHOTTED[name]
    screenshot(visit(page_of, name), name, full_page=height is None, height=height or 900)


@pytest.mark.parametrize("name", CHARTS)
def test_the_charts_draw_their_bars(page_of, name):
    """A bar the browser cannot place (a Dutch decimal comma in `x`) has no box at all."""
    page = visit(page_of, name)
    boxes = [rect.bounding_box() for rect in page.locator("figure.chart svg rect").all()]

    assert boxes, name
    assert any(box and box["width"] > 1 and box["height"] > 1 for box in boxes), name
