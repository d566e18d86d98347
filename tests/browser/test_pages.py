"""Every page state of the journey, at 1280 and 320 px: axe-core A/AA, reflow, focus.

The journey (tests/browser/journey.py) audits each page as it passes; these tests
read what it found, one check per test, so that each can be tracked on its own.
Set BROWSER_FINDINGS=<file> to write every finding there as well.
"""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def _write(journey) -> None:
    target = os.environ.get("BROWSER_FINDINGS")
    if target:
        lines = [
            f"{page}: {check}: {finding}"
            for page, checks in journey.audit.findings.items()
            for check, findings in checks.items()
            for finding in findings
        ]
        Path(target).write_text("\n".join(lines) + "\n")


def test_the_journey_audited_every_page_at_both_widths(journey):
    _write(journey)
    pages = {key.split("@")[0] for key in journey.audit.findings}
    widths = {key.split("@")[1] for key in journey.audit.findings}
    assert widths == {"1280", "320"}
    assert len(pages) >= 15, sorted(pages)


def test_no_axe_violation_of_wcag_2_1_a_or_aa(journey):
    assert journey.audit.report("axe") == []


def test_no_page_scrolls_sideways(journey):
    assert journey.audit.report("reflow") == []


def test_focus_is_visible_with_3_to_1_contrast(journey):
    assert journey.audit.report("focus") == []


def test_axe_really_runs_on_the_products_pages_under_their_csp(new_context, server):
    """An empty list of violations means something only when axe ran its rules there."""
    from .checks import WCAG_TAGS, _axe

    page = new_context().new_page()
    page.goto(f"{server.url}/login/")
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["passes"]},
    )
    passed = {rule["id"] for rule in results.response["passes"]}
    assert {"html-has-lang", "document-title", "label"} <= passed
