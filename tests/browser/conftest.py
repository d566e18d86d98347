"""The browser harness: Debian's Chromium driven by Playwright, against the product
served from a temporary var/ with the demo data (tests/browser/server.py).

Skipped where Chromium or Playwright is missing, unless REQUIRE_BROWSER is set (CI),
as the services tests do with REQUIRE_SERVICES. SCREENSHOTS=1 writes the README's
screenshots into docs/screenshots/; ordinary runs write nothing in the tree.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .server import ROOT, Server, free_port

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = bool(os.environ.get("REQUIRE_BROWSER"))
SCREENSHOTS = bool(os.environ.get("SCREENSHOTS"))
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _why_not() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return ""


def pytest_collection_modifyitems(config, items):
    reason = _why_not()
    if not reason:
        return
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here) and not REQUIRE_BROWSER:
            item.add_marker(pytest.mark.skip(reason=f"{reason}; set REQUIRE_BROWSER in CI"))


@pytest.fixture(autouse=True)
def _browser_required():
    """In CI (REQUIRE_BROWSER) a missing browser fails every browser test."""
    reason = _why_not()
    if reason:
        pytest.fail(f"REQUIRE_BROWSER is set but {reason}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    served = Server(var_dir=tmp_path_factory.mktemp("browser-var"), port=free_port())
    try:
        served.start()
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="session")
def world(server):
    """The demo candidates of the journey and each account's TOTP state (given.prepare)."""
    return server.given("prepare")


@pytest.fixture(scope="session")
def authenticator(world):
    from .totp import Authenticator

    return Authenticator(world["devices"])


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def new_context(browser, server):
    """A fresh browser (own cookies), Dutch, 1280 px wide; `javascript=False` for no-JS."""
    contexts = []

    def make(*, javascript: bool = True):
        context = browser.new_context(
            base_url=server.url,
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 900},
            locale="nl-NL",
            timezone_id="Europe/Amsterdam",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot():
    """Save the page as docs/screenshots/<name>.png when SCREENSHOTS is set; else nothing."""

    def take(
        page, name: str, *, width: int = 1280, full_page: bool = True, height: int = 900
    ) -> None:
        if not SCREENSHOTS:
            return
        page.set_viewport_size({"width": width, "height": height})
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(target), full_page=full_page)

    return take


@pytest.fixture(scope="session")
def scratch(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser-files")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def journey(new_context, server, world, authenticator, screenshot, scratch):
    """The whole journey, run once per session; its observations and page findings."""
    from . import journey as journey_module

    return journey_module.run(
        new_context=new_context,
        server=server,
        world=world,
        authenticator=authenticator,
        screenshot=screenshot,
        scratch=scratch,
    )
