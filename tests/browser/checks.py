"""What every page of the journey must meet, at 1280 px and at 320 px.

- axe-core (bundled by axe-playwright-python) with no violation tagged wcag2a,
  wcag2aa, wcag21a or wcag21aa;
- reflow (WCAG 1.4.10): no horizontal scroll, scrollWidth <= innerWidth;
- visible focus (2.4.7) with at least 3:1 against the colour behind it (1.4.11):
  Tab through the page, and for each focused element compare its outline (or
  box-shadow) colour, from computed styles, with the background behind it.

Each check returns a list of findings (strings); empty means it passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe

from ..contrast import contrast

WIDTHS = (1280, 320)
HEIGHT = 900
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FOCUS_CONTRAST = 3.0
MAX_TAB_STOPS = 40

_axe = Axe()


def axe_findings(page) -> list[str]:
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    findings = []
    for violation in results.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        # axe's own words on the first node (colours and ratio, say), to act on.
        summary = (violation["nodes"][0].get("failureSummary") or "").replace("\n", " ")
        findings.append(
            f"axe {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): "
            f"{violation['help']} [{'; '.join(targets)}] {summary}"
        )
    return findings


_OVERFLOW = """() => {
  const width = window.innerWidth;
  const scroll = document.documentElement.scrollWidth;
  if (scroll <= width) return null;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      let inner = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) { inner = true; break; }
      }
      if (!inner) {
        const classes = typeof el.className === 'string' ? el.className.trim() : '';
        const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (classes ? '.' + classes.split(/\\s+/).join('.') : '');
        wide.push(name + ' (right ' + Math.round(box.right) + ')');
      }
    }
    if (wide.length >= 5) break;
  }
  return {scroll, width, wide};
}"""


def reflow_findings(page) -> list[str]:
    overflow = page.evaluate(_OVERFLOW)
    if overflow is None:
        return []
    return [
        f"reflow: scrollWidth {overflow['scroll']} > innerWidth {overflow['width']}; "
        f"wider: {', '.join(overflow['wide']) or '?'}"
    ]


_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const behind = (start) => {
    const layers = [];
    for (let node = start; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) layers.push(colour);
      if (colour && colour[3] >= 1) break;
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const style = getComputedStyle(el);
  const outlineWidth = parseFloat(style.outlineWidth) || 0;
  const offset = parseFloat(style.outlineOffset) || 0;
  const hasOutline = style.outlineStyle !== 'none' && outlineWidth > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none' ? style.boxShadow : '';
  const label = el.innerText || el.value || el.getAttribute('aria-label') || el.name || '';
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    ' "' + label.trim().slice(0, 30) + '"';
  return {
    name,
    outline: hasOutline ? parse(style.outlineColor) : null,
    outlineWidth,
    shadow: shadow ? parse(shadow) : null,
    // An outline drawn outside the element lies on its parent's background.
    background: behind(offset >= 0 && hasOutline ? el.parentElement : el),
    own: behind(el),
  };
}"""


def _blend(top, bottom):
    alpha = top[3]
    return [top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3)] + [1]


def focus_findings(page, *, max_stops: int = MAX_TAB_STOPS) -> list[str]:
    """Tab from the top of the page; each focused element needs a 3:1 visible indicator."""
    findings: list[str] = []
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    seen: set[str] = set()
    for _ in range(max_stops):
        page.keyboard.press("Tab")
        state = page.evaluate(_FOCUSED)
        if state is None:
            break
        if state["name"] in seen:
            continue
        seen.add(state["name"])
        colour = state["outline"] or state["shadow"]
        if colour is None:
            findings.append(f"focus: no visible indicator on {state['name']}")
            continue
        ratio = contrast(_blend(colour, state["background"]), state["background"])
        if ratio < FOCUS_CONTRAST:
            findings.append(f"focus: indicator contrast {ratio:.2f}:1 < 3:1 on {state['name']}")
    return findings


@dataclass
class PageAudit:
    """Findings per page state, width and check, collected along a journey."""

    findings: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    screenshots: list[str] = field(default_factory=list)

    def audit(self, page, name: str) -> None:
        viewport = page.viewport_size or {"width": 1280, "height": HEIGHT}
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.wait_for_timeout(50)
            key = f"{name}@{width}"
            self.findings[key] = {
                "axe": axe_findings(page),
                "reflow": reflow_findings(page),
                "focus": focus_findings(page),
            }
        page.set_viewport_size(viewport)

    def report(self, check: str, pages: list[str] | None = None) -> list[str]:
        lines = []
        for key, checks in self.findings.items():
            if pages is not None and key.split("@")[0] not in pages:
                continue
            for finding in checks.get(check, []):
                lines.append(f"{key}: {finding}")
        return lines


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
