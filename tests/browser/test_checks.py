"""The checks themselves catch what they claim to, on pages made for the purpose."""

import pytest

from . import checks
from .totp import Authenticator

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><head><title>t</title><style>
  body {{ background: #ffffff; margin: 0 }}
  header {{ background: #154273; padding: 8px }}
  a:focus {{ outline: 2px solid {ring} }}
  button:focus {{ outline: none }}
</style></head><body><header><a href="#x">Home</a></header>
<main><h1>Test</h1>{extra}</main></body></html>"""


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 320, "height": 600})
    yield context.new_page()
    context.close()


def test_contrast_of_black_on_white_is_21_and_of_equal_colours_1():
    assert checks.contrast([0, 0, 0], [255, 255, 255]) == pytest.approx(21.0)
    assert checks.contrast([21, 66, 115], [21, 66, 115]) == pytest.approx(1.0)


def test_a_ring_without_contrast_on_the_header_is_found(page):
    page.set_content(PAGE.format(ring="#1a4a80", extra=""))
    findings = checks.focus_findings(page)
    assert findings
    assert "contrast" in findings[0]
    assert "Home" in findings[0]


def test_a_white_ring_on_the_dark_header_passes(page):
    page.set_content(PAGE.format(ring="#ffffff", extra=""))
    assert checks.focus_findings(page) == []


def test_an_element_whose_outline_is_removed_is_found(page):
    page.set_content(PAGE.format(ring="#ffffff", extra="<button>Go</button>"))
    assert checks.focus_findings(page) == ['focus: no visible indicator on button "Go"']


def test_a_wide_table_is_a_reflow_finding_unless_it_scrolls_inside(page):
    table = "<table><tr><td style='min-width:900px'>wide</td></tr></table>"
    page.set_content(PAGE.format(ring="#fff", extra=table))
    assert "scrollWidth" in checks.reflow_findings(page)[0]
    page.set_content(PAGE.format(ring="#fff", extra=f"<div style='overflow-x:auto'>{table}</div>"))
    assert checks.reflow_findings(page) == []


def test_axe_reports_an_input_without_a_label(page):
    page.set_content(PAGE.format(ring="#fff", extra="<input type=text>"))
    assert any("label" in finding for finding in checks.axe_findings(page))


def test_the_authenticator_never_gives_a_step_twice_and_waits_for_the_next():
    now = [30 * 1000 + 5.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    app = Authenticator(
        {
            "synced": {"last_t": 1000, "drift": 0, "tolerance": 1},
            "strict": {"last_t": 1000, "drift": 0, "tolerance": 0},
        },
        clock=lambda: now[0],
        sleep=sleep,
    )
    codes = [app.code("synced"), app.code("synced")]
    # Within the tolerance, following the drift the server records (django-otp's sync).
    assert app.devices["synced"].last_t == 1002
    assert not slept
    assert codes[0] != codes[1]
    app.code("strict")  # step 1000 was used and no tolerance: wait for step 1001
    assert slept
    assert app.devices["strict"].last_t == 1001
