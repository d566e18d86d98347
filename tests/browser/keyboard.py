"""Driving a page with the keyboard alone: Tab to an element, then Enter, Space or type."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

MAX_TABS = 80


def tab_to(page: Page, target: Locator, *, max_tabs: int = MAX_TABS) -> None:
    """Press Tab until `target` has the focus; fail when it is not reached."""
    handle = target.first.element_handle()
    assert handle is not None, f"{target} is not on the page"
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
    raise AssertionError(f"{target} was not reached with {max_tabs} presses of Tab")


def activate(page: Page, target: Locator, key: str = "Enter") -> None:
    """Tab to a link or button and press Enter; wait for the page it opens."""
    tab_to(page, target)
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)
