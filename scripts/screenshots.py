"""Regenerate the README's pictures: the reference proposal's start page, both pages of its
handout, and four slides of its deck (with Playwright, on the same chromium).

Needs Debian's `chromium` and `poppler-utils` (pdftoppm). Run from the repository root:
    python scripts/screenshots.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "proposals" / "social-media-training"
DOCS = ROOT / "docs"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not shutil.which("pdftoppm"):
        print(
            "needs chromium and pdftoppm: apt-get install chromium poppler-utils", file=sys.stderr
        )
        return 1
    sys.path.insert(0, str(ROOT))
    from buildcase.commands.build import build

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        report = build([REFERENCE], ROOT, out)
        if report.failed:
            print(report.failed[0].error, file=sys.stderr)
            return 1
        site = out / REFERENCE.name
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", "--window-size=1366,768",
             f"--screenshot={DOCS / 'start-page.png'}", (site / "index.html").as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip
        for number in (1, 2):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", str(number), "-l", str(number),
                 "-singlefile", str(site / "handout.pdf"), str(DOCS / f"handout-page-{number}")],
                check=True,
            )  # fmt: skip
        slides(chromium, site / "present.html")
    print(f"wrote the start page, the handout's pages and four slides into {DOCS}")
    return 0


# The slides the README shows: the decision asked, the need, the business case, the decision.
SLIDES = {"slide-title": 0, "slide-need": 1, "slide-case": 4, "slide-decision": 7}


def slides(chromium: str, deck: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(deck.as_uri(), wait_until="load")
        for name, index in SLIDES.items():
            page.evaluate(f"Reveal.slide({index}, 0)")
            page.wait_for_timeout(600)  # the transition
            page.screenshot(path=str(DOCS / f"{name}.png"))
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
