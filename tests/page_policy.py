"""A pytest plugin that checks the headers of every page the suite renders.

Registered by tests/conftest.py. Through Django's request handler it sees every
response and checks, as it is produced:

- every HTML page carries the strict Content-Security-Policy (`default-src 'self'`,
  nothing `unsafe-*`) and contains nothing that policy refuses: no inline script
  without the header's nonce, no `<style>` block, no `style=` or `on...=` attribute,
  no `javascript:` URL, no script, style sheet, image or frame from another origin;
- every answer of a URL outside `PUBLIC_URL_NAMES` (staff pages, the API, the admin)
  says `Cache-Control: private, no-store`.

At the end of the session a problem fails the run and is listed with its test and
URL; the counts are printed either way ("Page policy: ...").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.conf import settings

STRICT = {"default-src": "'self'", "object-src": "'none'", "frame-ancestors": "'none'"}
UNSAFE = re.compile(r"'unsafe-[a-z-]+'|'strict-dynamic'|\*")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
NONCE_ATTR = re.compile(r"""\bnonce\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
SOURCE_ATTR = re.compile(r"\bsrc\s*=", re.IGNORECASE)
REFUSED_MARKUP = {
    "a <style> block": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"<[a-z][^<>]*\sstyle\s*=", re.IGNORECASE),
    "an event handler attribute": re.compile(r"<[a-z][^<>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE),
    "a resource from another origin": re.compile(
        r"""<(?:script|link|img|iframe|embed|object)\b[^<>]*\b(?:src|href|data)\s*=\s*"""
        r"""["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""",
        re.IGNORECASE,
    ),
}


def policy_directives(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    return directives


def csp_problems(header: str | None, html: str) -> list[str]:
    """What is wrong with an HTML page and its Content-Security-Policy header ([] if nothing)."""
    if not header:
        return ["no Content-Security-Policy header"]
    problems = []
    directives = policy_directives(header)
    for name, value in STRICT.items():
        if directives.get(name) != value:
            problems.append(f"{name} is {directives.get(name)!r}, not {value}")
    if UNSAFE.search(header):
        problems.append(f"the policy allows {UNSAFE.search(header).group()}")  # type: ignore[union-attr]
    nonces = set(re.findall(r"'nonce-([^']+)'", directives.get("script-src", "")))
    for attributes in SCRIPT_TAG.findall(html):
        if SOURCE_ATTR.search(attributes):
            continue
        nonce = NONCE_ATTR.search(attributes)
        if nonce is None or nonce.group(1) not in nonces:
            problems.append("an inline script without the header's nonce")
    for what, pattern in REFUSED_MARKUP.items():
        if pattern.search(html):
            problems.append(what)
    return problems


def cache_problem(response) -> str | None:
    directives = {
        item.strip().split("=")[0] for item in response.get("Cache-Control", "").split(",")
    }
    if {"private", "no-store"} <= directives:
        return None
    return f"Cache-Control is {response.get('Cache-Control')!r}, not private, no-store"


@dataclass
class PagePolicy:
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    current_test: str = "(outside a test)"

    def check(self, request, response) -> None:
        where = f"{self.current_test}: {request.method} {request.path} ({response.status_code})"
        self.counts["responses"] += 1
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name not in settings.PUBLIC_URL_NAMES:
            self.counts["staff answers"] += 1
            problem = cache_problem(response)
            if problem:
                self.problems.append(f"{where}: {problem}")
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return
        self.counts["HTML pages"] += 1
        html = response.content.decode("utf-8", "replace")
        for problem in csp_problems(response.get("Content-Security-Policy"), html):
            self.problems.append(f"{where}: {problem}")

    def summary(self) -> str:
        return (
            f"Page policy: CSP checked on {self.counts['HTML pages']} HTML pages, "
            f"Cache-Control on {self.counts['staff answers']} staff answers "
            f"(of {self.counts['responses']} responses): {len(self.problems)} problems"
        )


POLICY = PagePolicy()


def install() -> None:
    from django.core.handlers.base import BaseHandler

    get_response = BaseHandler.get_response

    def checked_get_response(self, request):
        response = get_response(self, request)
        POLICY.check(request, response)
        return response

    BaseHandler.get_response = checked_get_response  # type: ignore[method-assign]


def pytest_configure(config) -> None:
    install()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    POLICY.current_test = item.nodeid


def pytest_sessionfinish(session, exitstatus) -> None:
    if POLICY.problems and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    terminalreporter.write_line(POLICY.summary())
    if POLICY.problems:
        terminalreporter.write_line("Page policy FAILED:", red=True)
        for line in POLICY.problems[:200]:
            terminalreporter.write_line(f"  {line}")
