"""Chromium driven by Playwright, a local web server, a guard against outside requests,
axe-core, and the arithmetic of colour contrast.

The browser is Debian's `chromium` (never one Playwright downloads): `./run test` installs
it with apt-get. axe-core is vendored in `vendor/axe-core/` (see its README there).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("BUILDCASE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--metrics-recording-only", "--disable-domain-reliability",
]  # fmt: skip
INSTALL_CHROMIUM = (
    "Debian's chromium is not at {path}: the browser tests drive it and never download "
    "a browser. Install it with `apt-get update && apt-get install -y chromium "
    "poppler-utils` (`./run test` does this for you), or point BUILDCASE_CHROMIUM at one."
)
INSTALL_PLAYWRIGHT = (
    "Playwright for Python is missing: install the test extras with "
    "`pip install -e '.[test]'` (`./run test` does this for you). Do not run "
    "`playwright install`: the tests use Debian's chromium."
)
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium, headless; a missing browser fails with how to install it."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(INSTALL_CHROMIUM.format(path=CHROMIUM), pytrace=False)
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the standard library's own class attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".pdf": "application/pdf",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_server(root: Path) -> Iterator[str]:
    """Serve `root` on a free port of 127.0.0.1 from a thread; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def is_local(url: str) -> bool:
    """A URL that does not leave this machine: a file, inline data, the browser's own
    pages (its PDF viewer), or the loopback."""
    parts = urlsplit(url)
    if parts.scheme in {"file", "data", "blob", "about", "chrome", "chrome-extension"}:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") in LOCAL_HOSTS


@dataclass
class Guard:
    """What a browser context tried that a reader offline would suffer from: requests
    leaving the machine (aborted, and recorded) and errors in the console."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        context.route("**/*", self._route)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.errors.append(f"pageerror: {error.error}"))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.fallback()
        else:
            self.outside.append(url)
            route.abort("blockedbyclient")

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.errors.append(f"console error: {message.text} ({where})")

    def problems(self) -> list[str]:
        return [*(f"request leaving the machine: {u}" for u in self.outside), *self.errors]


AXE_RUN = """async rules => {
  const options = {resultTypes: ['violations']};
  if (rules) options.runOnly = {type: 'rule', values: rules};
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                              summary: n.failureSummary, html: n.html.slice(0, 160)})),
  }));
}"""


def axe_violations(page: Any, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """The accessibility violations axe-core finds in the page as it is now (only `rules`
    where given)."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not vendored at {AXE}", pytrace=False)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN, rules)


# The colours of a chart's text, and what each is drawn on: the shape under the text's
# centre, if any (a label inside a bar or bubble), over the page's background, given as the
# ancestors' background colours from the outside in, to be painted one over another.
CHART_COLOURS = """svg => {
  svg.scrollIntoView({block: 'center'});
  const backgrounds = [];
  for (let e = svg; e; e = e.parentElement) backgrounds.unshift(getComputedStyle(e).backgroundColor);
  const paint = e => { const s = getComputedStyle(e);
    return {fill: s.fill, opacity: Number(s.fillOpacity) * Number(s.opacity)}; };
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    const under = document.elementsFromPoint(r.x + r.width / 2, r.y + r.height / 2)
      .filter(e => e !== t && e !== svg && svg.contains(e) && e.tagName !== 'text')
      .filter(e => { const f = getComputedStyle(e).fill; return f && f !== 'none'; });
    return {text: t.textContent, ...paint(t),
            shapes: under.reverse().map(e => ({tag: e.tagName, ...paint(e)}))};
  });
  return {backgrounds, texts};
}"""

_RGB = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)")

Colour = tuple[float, float, float, float]


def parse_colour(css: str) -> Colour:
    """`rgb(…)` / `rgba(…)` as computed by the browser -> (r, g, b, alpha), 0-255 and 0-1."""
    m = _RGB.fullmatch(css.strip())
    if not m:
        raise ValueError(f"not a computed colour: {css!r}")
    alpha = m[4] or "1"
    a = float(alpha[:-1]) / 100 if alpha.endswith("%") else float(alpha)
    return float(m[1]), float(m[2]), float(m[3]), a


def over(top: Colour, bottom: Colour) -> Colour:
    """`top` painted over an opaque `bottom`."""
    a = top[3]
    return (*(top[i] * a + bottom[i] * (1 - a) for i in range(3)), 1.0)  # type: ignore[return-value]


def flatten(backgrounds: list[str]) -> Colour:
    """The opaque colour seen through layers of backgrounds (outermost first) on a white canvas."""
    colour: Colour = (255.0, 255.0, 255.0, 1.0)
    for css in backgrounds:
        colour = over(parse_colour(css), colour)
    return colour


def luminance(c: Colour) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])


def contrast(a: Colour, b: Colour) -> float:
    """WCAG 2 contrast ratio of two opaque colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, driven by Playwright, for a test module; imported by each module
    that looks at pages in a browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(INSTALL_PLAYWRIGHT, pytrace=False)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
