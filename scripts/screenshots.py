"""Regenerate the README's pictures: the reference proposal's start page and handout page 1.

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
    from buildcase.build import build

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
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
             str(site / "handout.pdf"), str(DOCS / "handout-page-1")],
            check=True,
        )  # fmt: skip
    print(f"wrote {DOCS / 'start-page.png'} and {DOCS / 'handout-page-1.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
