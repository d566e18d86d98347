"""The button colours (decision 0020), read from the CSS itself: the vendored theme's
custom properties and site.css's, resolved as the browser would for each kind of
button. Primary is the brand blue; secondary and danger stay distinct; every state's
text has 4.5:1 or more (WCAG 1.4.3) and the focus ring 3:1 or more (1.4.11).

The browser journey (tests/browser) checks the rendered pages as well; this check
needs no browser, so it runs with every test run."""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import pytest

from tests.contrast import contrast

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "examens" / "static" / "examens"
THEME = STATIC / "vendor" / "nlds" / "voorbeeld-theme.css"
UTRECHT = STATIC / "vendor" / "nlds" / "utrecht-html.css"
SITE = STATIC / "site.css"

TEXT, NON_TEXT = 4.5, 3.0
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
PROPERTY = re.compile(r"(--[\w-]+)\s*:\s*([^;]+);")
KINDS = {"primary": "button", "secondary": "button.secondary", "danger": "button.danger"}
STATES = ("", "hover-", "active-", "focus-")


def rules(path: Path) -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, custom properties) of each rule, comments dropped."""
    css = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.DOTALL)
    return [
        ([s.strip() for s in selectors.split(",")], dict(PROPERTY.findall(body)))
        for selectors, body in RULE.findall(css)
    ]


def properties_of(selector: str) -> dict[str, str]:
    """The custom properties an element matched by `selector` sees: the theme's and
    :root's (on <html>, inherited), then site.css's rules for plain buttons, then
    those naming `selector` itself (more specific, so later in the cascade)."""
    seen: dict[str, str] = {}
    for selectors, props in rules(THEME):
        if ".voorbeeld-theme" in selectors:
            seen.update(props)
    site = rules(SITE)
    for wanted in (":root", "button", selector):
        for selectors, props in site:
            if wanted in selectors:
                seen.update(props)
    return seen


def resolve(value: str, props: dict[str, str], depth: int = 0) -> str:
    """`var(--name, fallback)` followed to a plain value, as the browser does."""
    value = value.strip()
    assert depth < 30, f"var() chain too deep at {value}"
    if not value.startswith("var(") or not value.endswith(")"):
        return value
    inner = value[4:-1]
    level, cut = 0, len(inner)
    for i, char in enumerate(inner):
        level += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and level == 0:
            cut = i
            break
    name, fallback = inner[:cut].strip(), inner[cut + 1 :]
    if name in props:
        return resolve(props[name], props, depth + 1)
    assert fallback, f"{name} is not defined and has no fallback"
    return resolve(fallback, props, depth + 1)


def rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.strip().lower()
    if colour in ("#fff", "white"):
        return (255, 255, 255)
    match = re.fullmatch(r"#([0-9a-f]{6})", colour)
    assert match, f"not an opaque colour: {colour}"
    return tuple(int(match.group(1)[i : i + 2], 16) for i in (0, 2, 4))


def colour(kind: str, name: str) -> tuple[int, int, int]:
    props = properties_of(KINDS[kind])
    return rgb(resolve(f"var({name})", props))


def button(kind: str, state: str, part: str) -> tuple[int, int, int]:
    return colour(kind, f"--utrecht-button-{state}{part}")


def test_the_resolver_follows_fallbacks_and_nesting():
    props = {"--a": "var(--b, #000000)", "--c": "var(--missing, var(--a))"}
    assert resolve("var(--c)", props) == "#000000"
    assert resolve("var(--nope, #123456)", {}) == "#123456"


def test_the_vendored_button_rule_reads_the_tokens_site_css_sets():
    """Should an upgrade rename Utrecht's tokens, the buttons would silently lose the
    colours below; so the vendored rule must still read them."""
    css = UTRECHT.read_text()
    for state in STATES:
        for part in ("background-color", "color", "border-color"):
            assert f"var(--utrecht-button-{state}{part}" in css, f"{state}{part}"


def test_primary_buttons_are_the_brand_blue_of_the_header():
    brand = colour("primary", "--examens-brand")

    assert button("primary", "", "background-color") == brand == (0x00, 0x56, 0x8B)
    assert button("primary", "", "background-color") != rgb(
        resolve("var(--utrecht-button-primary-action-background-color)", properties_of("-"))
    )  # not the theme's violet


def test_the_three_kinds_look_different():
    backgrounds = {k: button(k, "", "background-color") for k in KINDS}
    texts = {k: button(k, "", "color") for k in KINDS}

    for a, b in combinations(KINDS, 2):
        assert (backgrounds[a], texts[a]) != (backgrounds[b], texts[b]), (a, b)
    assert backgrounds["secondary"] == rgb("#ffffff")
    assert texts["secondary"] == backgrounds["primary"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("state", STATES)
def test_button_text_has_4_5_to_1_in_every_state(kind, state):
    ratio = contrast(button(kind, state, "color"), button(kind, state, "background-color"))

    assert ratio >= TEXT, f"{kind} {state or 'default'}: {ratio:.2f}:1"


@pytest.mark.parametrize("kind", KINDS)
def test_a_button_on_the_page_has_a_3_to_1_edge(kind):
    """A white (secondary) button is told from the white page by its border (1.4.11)."""
    page = colour(kind, "--examens-surface")
    edge = max(
        contrast(button(kind, "", "border-color"), page),
        contrast(button(kind, "", "background-color"), page),
    )

    assert edge >= NON_TEXT, f"{kind}: {edge:.2f}:1"


def test_the_focus_ring_has_3_to_1_on_the_page_and_on_the_header_band():
    """The ring sits outside the button (outline-offset), on the page or on the band."""
    page = colour("primary", "--examens-surface")
    band = colour("primary", "--examens-brand")

    assert contrast(colour("primary", "--examens-focus"), page) >= NON_TEXT
    assert contrast(colour("primary", "--examens-focus-inverse"), band) >= NON_TEXT
