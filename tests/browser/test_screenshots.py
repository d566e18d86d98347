"""The monitoring pages' screenshots for the README (SCREENSHOTS=1), where they exist.

The journey's own screenshots (login, home, week, session, candidates, worklist,
verification, progress) are taken by tests/browser/journey.py as it passes.
"""

import pytest

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

MONITORING_PAGES = [
    ("/monitoring/", "monitoring-overview"),
    ("/monitoring/capacity/", "monitoring-capacity"),
]


@pytest.fixture(scope="module")
def officer_page(new_context, authenticator):
    from . import flows

    page = new_context().new_page()
    flows.log_in(page, "ambtenaar.utrecht", authenticator)
    return page


@pytest.mark.skipif(not SCREENSHOTS, reason="screenshots are taken with SCREENSHOTS=1")
@pytest.mark.parametrize(("path", "name"), MONITORING_PAGES)
def test_monitoring_screenshot(officer_page, screenshot, path, name):
    answer = officer_page.goto(path)
    if answer is None or answer.status == 404:
        pytest.skip(f"{path} does not exist on this branch yet: no {name}.png taken")
    assert answer.ok, f"{path} answered {answer.status}"
    screenshot(officer_page, name)
