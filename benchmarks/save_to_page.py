"""Save to page (issue 32): how long `buildcase serve` takes from an edit saved to the page
showing it, measured in a real browser on the served page.

    python benchmarks/save_to_page.py [FOLDER] [--workspace W] [--edits 10]

`buildcase serve` runs on a private copy of the proposal folder (the original is never
edited), in a workspace of its own holding a copy of W's mkdocs.yml and templates (so
that nobody else's edit to W rebuilds the preview mid-measurement). Headless Chromium
opens the served start page; then, `edits` times, one benefit's `annual_value` is
changed in the YAML, the file written as an editor saves it, and the time runs from just
before the write until the page shows the new figure, formatted as the site formats it.

Each end is taken where it happens. The write, on Python's monotonic clock. The showing, in
the page: a script in every document the tab loads (and in the one open) watches the text
as it is parsed, and once the figure is in it and laid out (`innerText`), notes the time of
the animation frame that paints it. The page's clock is then read against the monotonic
one, the read bracketed by two readings of it, to place that moment on it (within a
millisecond or two). Playwright's own round trips are not counted; the time until Python
hears of the figure, which includes them, is kept as an upper bound, and a sample above it
stops the benchmark. No edit starts before every handout of the one before has followed
(each is reported on the server's error output): an author reads the page between saves.
The first edit is measured like the others.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import operator
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BUILDCASE_CHROMIUM", "/usr/bin/chromium")
EXAMPLE = REPO / "proposals" / "support-coaching-programme"
STEP = 1000  # the edits move one benefit's value by this much, one way and back
VALUE = re.compile(r"^(\s*annual_value:\s*)(\d+)\s*$", re.MULTILINE)
# Installed in every document of the tab: notes, in sessionStorage (which outlives a
# reload), when the figure sessionStorage names is first painted.
WATCH = """(() => {
  const figure = sessionStorage.getItem("bc-figure");
  if (!figure || sessionStorage.getItem("bc-shown")) return;
  const frame = time => {
    if (document.body && document.body.innerText.includes(figure)) {
      sessionStorage.setItem("bc-shown", String(performance.timeOrigin + time));
    } else requestAnimationFrame(frame);
  };
  const seen = new MutationObserver(() => {
    if (document.body && document.body.textContent.includes(figure)) {
      seen.disconnect();
      requestAnimationFrame(frame);
    }
  });
  seen.observe(document, {childList: true, subtree: true, characterData: true});
})()"""
NOW = "() => performance.timeOrigin + performance.now()"
EXPECT = "f => { sessionStorage.removeItem('bc-shown'); sessionStorage.setItem('bc-figure', f); }"
WAIT_MS = 60_000  # longer than any rebuild; a wait that runs out names its step


class BenchmarkError(SystemExit):
    """The preview failed or never showed an edit: the numbers would be meaningless."""

    def __init__(self, message: str):
        super().__init__(f"save-to-page benchmark failed: {message}")


def save_to_page_seconds(folder: Path, workspace: Path, edits: int) -> list[float]:
    """The seconds from saving each of `edits` edits of `folder` (copied first) to the
    served page showing it, in headless Chromium, with `workspace`'s configuration."""
    return save_to_page_and_handout(folder, workspace, edits)[0]


def save_to_page_and_handout(
    folder: Path, workspace: Path, edits: int
) -> tuple[list[float], list[float]]:
    """As `save_to_page_seconds`, with the seconds from each save to its last handout."""
    samples = timed_edits(folder, workspace, edits)
    return [sample.shown for sample in samples], [sample.handouts for sample in samples]


@dataclass
class Sample:
    """One edit's times, in seconds from the write."""

    shown: float  # seconds from the write to the frame that paints the figure
    heard: float  # to Python hearing of it, Playwright's round trips included
    handouts: float  # to the last handout reported rebuilt


def timed_edits(folder: Path, workspace: Path, edits: int) -> list[Sample]:
    """Each edit of a copy of `folder` timed as `save_to_page_seconds` says."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="buildcase-save-to-page-") as tmp:
        proposal = private_workspace(folder, workspace, Path(tmp))
        edit = Edit.of(proposal)
        with served(proposal, Path(tmp)) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page()
                page.add_init_script(WATCH)
                page.goto(server.url, wait_until="load")
                handouts = handout_names(page)
                server.wait_for_handouts(handouts, since=0.0)
                edit.choose_figures(page.inner_text("body"))
                return [measure(page, server, edit, k, handouts) for k in range(edits)]
            finally:
                browser.close()


def measure(page: Page, server: Server, edit: Edit, k: int, handouts: list[str]) -> Sample:
    """One edit saved, and the seconds until the page shows it and its handouts follow."""
    value, figure = edit.values[k % 2], edit.figures[k % 2]
    if figure in page.inner_text("body"):
        raise BenchmarkError(f"edit {k}: the page shows {figure} before it is saved")
    page.evaluate(EXPECT, figure)
    page.evaluate(WATCH)  # in the document open now, should it change without a reload
    text = VALUE.sub(lambda m: f"{m[1]}{value}", edit.original, count=1)
    started = time.monotonic()
    edit.path.write_text(text, encoding="utf-8")
    try:
        page.wait_for_function("() => sessionStorage.getItem('bc-shown')", timeout=WAIT_MS)
    except Exception as e:  # Playwright's TimeoutError, or the browser gone
        raise BenchmarkError(f"edit {k}: the page never showed {figure}: {e}") from e
    heard = time.monotonic() - started
    shown = monotonic_of(page, float(page.evaluate("() => sessionStorage.getItem('bc-shown')")))
    if not 0 < shown - started <= heard:
        raise BenchmarkError(f"edit {k}: the page's clock disagrees ({shown - started:.3f} s)")
    last_handout = server.wait_for_handouts(handouts, since=started)
    return Sample(shown - started, heard, last_handout - started)


def monotonic_of(page: Page, moment_ms: float) -> float:
    """A moment on the page's clock (ms), on Python's monotonic clock: the page's clock
    read between two readings of the monotonic one, several times, the closest kept."""
    readings = []
    for _ in range(5):
        before = time.monotonic()
        now_ms = float(page.evaluate(NOW))
        after = time.monotonic()
        readings.append((after - before, (before + after) / 2 - now_ms / 1000))
    return moment_ms / 1000 + min(readings)[1]


def handout_names(page: Page) -> list[str]:
    """The handouts the site links to, from any of its pages: each is remade after every
    edit."""
    pages: list[str] = page.eval_on_selector_all("a[href$='.html']", "a => a.map(e => e.href)")
    names: set[str] = set()
    for url in {page.url, *(url.split("#")[0] for url in pages if url.startswith(page.url))}:
        with urllib.request.urlopen(url, timeout=30) as response:
            names |= set(re.findall(r'href="([^"/]+\.pdf)"', response.read().decode()))
    return sorted(names)


@dataclass
class Edit:
    """The edit the benchmark makes: one benefit's yearly value, written one way and back."""

    path: Path
    original: str
    value: int
    formatter: Any
    values: list[int] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, folder: Path) -> Edit:
        from buildcase.i18n import language
        from buildcase.render.formatting import Formatter

        for path in sorted(folder.glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            if found := VALUE.search(text):
                settings = yaml.safe_load((folder / "proposal.yaml").read_text(encoding="utf-8"))
                currency, code = settings.get("currency", "USD"), settings.get("language", "en")
                formatter = Formatter(currency, language(code))  # the format's defaults
                return cls(path, text, int(found[2]), formatter)
        raise BenchmarkError(f"{folder}: no benefit with a plain `annual_value` to edit")

    def choose_figures(self, page_text: str) -> None:
        """Two values whose figures the page does not show yet: each edit is then seen."""
        for step in range(1, 50):
            value = self.value + step * STEP
            if self.formatter.money(value) not in page_text:
                self.values.append(value)
                self.figures.append(self.formatter.money(value))
            if len(self.values) == 2:
                return
        raise BenchmarkError("no value of the benefit makes a figure the page lacks")


def private_workspace(folder: Path, workspace: Path, tmp: Path) -> Path:
    """A workspace in `tmp`: `workspace`'s mkdocs.yml and its own templates (not
    buildcase's, which it finds anyway), and a copy of the proposal folder; the copy."""
    from buildcase.workspace import default_templates_dir

    root = tmp / "workspace"
    (root / "proposals").mkdir(parents=True)
    if (workspace / "mkdocs.yml").is_file():
        shutil.copyfile(workspace / "mkdocs.yml", root / "mkdocs.yml")
    templates = workspace / "templates"
    if templates.is_dir() and not templates.samefile(default_templates_dir()):
        shutil.copytree(templates, root / "templates")
    (tmp / "tmpdir").mkdir()
    return Path(shutil.copytree(folder, root / "proposals" / folder.name))


class Server:
    """`buildcase serve` on a port of the system's choosing; each line of its error output
    kept with the moment it was read."""

    def __init__(self, process: subprocess.Popen[str]):
        self.process = process
        self.lines: list[tuple[float, str]] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        _, found = self.wait_for(lambda line: re.search(r"serving \S+ on (http://\S+/)", line))
        self.url: str = found[1]

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.changed:
                self.lines.append((time.monotonic(), line))
                self.changed.notify_all()
        with self.changed:
            self.lines.append((time.monotonic(), ""))  # the end: nothing more will come
            self.changed.notify_all()

    def wait_for(self, matches: Callable[[str], Any], since: float = 0.0) -> tuple[float, Any]:
        """The moment the first line read after `since` that `matches` accepts was read,
        and what `matches` made of it."""
        deadline = time.monotonic() + WAIT_MS / 1000
        seen = 0
        with self.changed:
            while time.monotonic() < deadline:
                for moment, line in self.lines[seen:]:
                    if line == "":
                        raise BenchmarkError(f"buildcase serve ended:\n{self.output()}")
                    if moment >= since and (found := matches(line)):
                        return moment, found
                seen = len(self.lines)
                self.changed.wait(timeout=max(0.0, deadline - time.monotonic()))
        raise BenchmarkError(f"buildcase serve did not report in time:\n{self.output()}")

    def wait_for_handouts(self, names: list[str], since: float) -> float:
        """The moment the last of the handouts `names` was reported rebuilt after `since`."""
        reported = [functools.partial(operator.eq, f"rebuilt {name}\n") for name in names]
        return max(self.wait_for(line, since)[0] for line in reported)

    def output(self) -> str:
        return "".join(line for _, line in self.lines)


@contextlib.contextmanager
def served(proposal: Path, tmp: Path) -> Iterator[Server]:
    """`buildcase serve` for `proposal`, this checkout's code, in the proposal's workspace,
    with a private temporary folder; stopped (SIGTERM) on the way out."""
    env = {
        **os.environ,
        "TMPDIR": str(tmp / "tmpdir"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "buildcase", "serve", str(proposal), "--port", "0"],
        cwd=proposal.parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield Server(process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=EXAMPLE)
    parser.add_argument("--workspace", type=Path, default=REPO)
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    samples = timed_edits(args.folder, args.workspace, args.edits)
    shown = [sample.shown for sample in samples]
    print("save to page (s):", " ".join(f"{s:.3f}" for s in shown))
    print(f"median save to page: {statistics.median(shown):.3f} s over {len(shown)} edits")
    heard = statistics.median(sample.heard for sample in samples)
    print(f"median save to Playwright reporting it (upper bound): {heard:.3f} s")
    handouts = statistics.median(sample.handouts for sample in samples)
    print(f"median save to the last handout rebuilt: {handouts:.3f} s")


if __name__ == "__main__":
    main()
