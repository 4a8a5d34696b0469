"""Every option the README and the docs name is run from the command line, and does what
they say it does.

The commands reference (docs/reference/commands.md) names every option of every command,
and tests/test_docs_site.py holds it to `--help` both ways. Here each of those options,
and each one the README names, is run in a new process against a real workspace, and its
effect is checked from what it wrote or printed. An option with no run below fails
`test_every_documented_option_has_a_run`: a documented option can never again be one that
nothing has tried.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from .test_docs_site import commands_reference
from .test_serve import Server

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# A small proposal with two audiences; the second is given no risk, which `check` warns
# about (so --strict has a warning to turn into an error).
PROPOSAL = """\
title: Onboarding training
organization: Acme
prepared_by: {name: Ann Lee, role: L&D lead}
date: 2026-11-01
summary: Train new starters.
goals:
  - id: retention
    title: Keep our people
benefits:
  - id: stay
    title: New starters stay longer
    goals: [retention]
risks:
  - id: leave
    title: New starters leave
    likelihood: 30%
    impact: 10000
audiences:
  - id: hr
    title: Chief HR Officer
    cares_about: [retention]
    message: Keep the people we hire.
    benefits: [stay]
    risks: [leave]
  - id: ops
    title: Head of Operations
    cares_about: [cover]
    message: Fewer gaps in the rota.
    benefits: [stay]
"""


def run(ws: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildcase", *args],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(ws / ".cache")},
    )


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace holding proposals/p (valid, one warning) and the repository's mkdocs.yml."""
    folder = tmp_path / "proposals" / "p"
    folder.mkdir(parents=True)
    (folder / "proposal.yaml").write_text(PROPOSAL, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return tmp_path


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


# --- one run per option -------------------------------------------------------------------


def build_out(ws: Path) -> None:
    ok(run(ws, "build", "proposals/p", "--out", "elsewhere"))
    assert (ws / "elsewhere" / "p" / "index.html").is_file()
    assert (ws / "elsewhere" / "p" / "handout.pdf").is_file()
    assert not (ws / "site").exists()


def build_strict(ws: Path) -> None:
    relaxed = run(ws, "build", "proposals/p")
    assert relaxed.returncode == 0 and "warning: audiences[1]" in relaxed.stdout + relaxed.stderr
    strict = run(ws, "build", "proposals/p", "--strict", "--out", "strict")
    assert strict.returncode == 1
    assert "error: audiences[1]" in strict.stdout + strict.stderr
    assert not (ws / "strict" / "p").exists()


def build_force(ws: Path) -> None:
    ok(run(ws, "build", "proposals/p"))
    assert "0 built, 1 unchanged" in ok(run(ws, "build", "proposals/p"))
    assert "1 built, 0 unchanged" in ok(run(ws, "build", "proposals/p", "--force"))


def build_jobs(ws: Path) -> None:
    """The number of workers changes how fast, never what is built."""
    ok(run(ws, "build", "proposals/p", "--jobs", "1", "--out", "one"))
    ok(run(ws, "build", "proposals/p", "--jobs", "2", "--out", "two"))
    for name in ("handout.pdf", "handout-hr.pdf", "present.html", "index.html", "deck.pptx",
                 "model.xlsx"):  # fmt: skip
        assert (ws / "one" / "p" / name).read_bytes() == (ws / "two" / "p" / name).read_bytes()
    refused = run(ws, "build", "proposals/p", "--jobs", "0")
    assert refused.returncode == 2 and "--jobs" in refused.stderr


def build_paper(ws: Path) -> None:
    ok(run(ws, "build", "proposals/p", "--paper", "letter"))
    box = PdfReader(ws / "site" / "p" / "handout.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in


def build_audience(ws: Path) -> None:
    ok(run(ws, "build", "proposals/p", "--audience", "hr"))
    built = {p.name for p in (ws / "site" / "p").glob("*.pdf")}
    assert built == {"handout.pdf", "handout-hr.pdf", "present.pdf", "present-hr.pdf"}
    unknown = run(ws, "build", "proposals/p", "--audience", "finance", "--out", "x")
    assert unknown.returncode != 0 and "finance" in unknown.stderr + unknown.stdout


def build_formats(ws: Path) -> None:
    """The board pack: both files by default, what `--formats` names, or none."""
    ok(run(ws, "build", "proposals/p"))
    site = ws / "site" / "p"
    assert {p.name for p in site.glob("*.pptx")} == {"deck.pptx", "deck-hr.pptx", "deck-ops.pptx"}
    assert (site / "model.xlsx").is_file()
    ok(run(ws, "build", "proposals/p", "--formats", "pptx", "--out", "slides"))
    assert (ws / "slides" / "p" / "deck.pptx").is_file()
    assert not (ws / "slides" / "p" / "model.xlsx").exists()
    ok(run(ws, "build", "proposals/p", "--formats", "none", "--out", "bare"))
    assert not [p for p in (ws / "bare" / "p").iterdir() if p.suffix in (".pptx", ".xlsx")]
    assert "deck.pptx" not in (ws / "bare" / "p" / "index.html").read_text(encoding="utf-8")
    refused = run(ws, "build", "proposals/p", "--formats", "docx")
    assert refused.returncode == 2 and "--formats" in refused.stderr


def build_internal(ws: Path) -> None:
    """The L&D team's edition holds the buy-in plan marked internal, in internal/; the
    published site never does, whatever --out it is built into."""
    proposal = ws / "proposals" / "p" / "proposal.yaml"
    proposal.write_text(
        proposal.read_text(encoding="utf-8")
        + "campaign:\n  decision:\n    status: approved\n    note: Agreed in private\n",
        encoding="utf-8",
    )
    ok(run(ws, "build", "proposals/p", "--internal"))
    assert "Agreed in private" in (ws / "internal" / "p" / "campaign.html").read_text()
    assert not (ws / "site").exists()
    ok(run(ws, "build", "proposals/p"))
    assert not (ws / "site" / "p" / "campaign.html").exists()
    ok(run(ws, "build", "proposals/p", "--internal", "--out", "team"))
    assert (ws / "team" / "p" / "campaign.html").is_file()


def debug_shows_a_traceback(command: str, *args: str) -> Callable[[Path], None]:
    def check(ws: Path) -> None:
        plain = run(ws, command, *args)
        debug = run(ws, command, *args, "--debug")
        assert plain.returncode != 0 and "Traceback" not in plain.stderr
        assert debug.returncode != 0 and "Traceback (most recent call last)" in debug.stderr
        assert plain.stderr.strip().splitlines()[-1] == debug.stderr.strip().splitlines()[-1]

    return check


def check_strict(ws: Path) -> None:
    assert run(ws, "check", "proposals/p").returncode == 0
    strict = run(ws, "check", "proposals/p", "--strict")
    assert strict.returncode == 1 and "error: audiences[1]" in strict.stdout + strict.stderr


def present_out(ws: Path) -> None:
    done = ok(run(ws, "present", "proposals/p", "--out", "talk", "--no-open"))
    deck = ws / "talk" / "p" / "present.html"
    assert deck.is_file() and str(deck) in done


def present_audience(ws: Path) -> None:
    done = ok(run(ws, "present", "proposals/p", "--audience", "hr", "--no-open"))
    deck = ws / "site" / "p" / "present-hr.html"
    assert deck.is_file() and str(deck) in done
    assert "Chief HR Officer" in deck.read_text(encoding="utf-8")


def present_no_open(ws: Path) -> None:
    """With --no-open nothing is opened, even where a browser would be: BROWSER names a
    command that would leave a mark."""
    mark = ws / "opened"
    env_browser = f"{sys.executable} -c \"open(r'{mark}', 'w').write('%s')\""
    done = subprocess.run(
        [sys.executable, "-m", "buildcase", "present", "proposals/p", "--no-open"],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "BROWSER": env_browser},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("the deck is ")
    assert not mark.exists()


def serving(ws: Path, *args: str) -> tuple[str, str]:
    """Start `serve` with `args`, fetch its start page, stop it: (the page, what it printed)."""
    server = Server(ws / "proposals" / "p", ws, *args)
    try:
        with urllib.request.urlopen(server.url(), timeout=30) as response:
            page = response.read().decode("utf-8")
    finally:
        server.stop()
    return page, server.err


def serve_host_and_port(ws: Path) -> None:
    """--port 0 asks the system for a free port (no race with another test for a fixed
    one); the server says which, and serves the start page there, not on 8000."""
    page, said = serving(ws, "--host", "127.0.0.1", "--port", "0")
    found = re.search(r"on http://127\.0\.0\.1:(\d+)/", said)
    assert found and found[1] not in {"0", "8000"}, said
    assert "Onboarding training" in page


def serve_strict(ws: Path) -> None:
    """A warning is an error: the preview does not start on a proposal that has one."""
    strict = run(ws, "serve", "proposals/p", "--port", "0", "--strict", timeout=120)
    assert strict.returncode == 1
    assert "error: audiences[1]" in strict.stderr and "first build failed" in strict.stderr
    _page, relaxed = serving(ws, "--port", "0")
    assert "warning: audiences[1]" in relaxed and "error: audiences[1]" not in relaxed


def serve_debug(ws: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        debug_shows_a_traceback("serve", "proposals/p", "--port", port)(ws)


def schema_section(ws: Path) -> None:
    """The section's schema is the one an editor applies to risks.yaml: it takes the
    proposal's risks and flags a misspelt key."""
    import json

    import jsonschema
    import yaml

    schema = json.loads(ok(run(ws, "schema", "--section", "risks")))
    assert "risks.yaml" in schema["title"]
    risks = yaml.safe_load(PROPOSAL)["risks"]
    jsonschema.validate(risks, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**risks[0], "likelyhood": "30%"}], schema)


def schema_debug(ws: Path) -> None:
    """`schema` has nothing that can fail but its arguments: --debug changes nothing."""
    assert ok(run(ws, "schema", "--debug")) == ok(run(ws, "schema"))


def guide_list(ws: Path) -> None:
    listed = ok(run(ws, "guide", "--list"))
    assert "pilot-budget" in listed and "Give the pilot its own budget" in listed
    assert not (ws / ".cache" / "buildcase" / "guide").exists()  # listing builds nothing


def guide_no_open(ws: Path) -> None:
    """The page a warning names, at its section, as an address to open from disk."""
    said = ok(run(ws, "guide", "pilot-budget", "--no-open")).strip().splitlines()[-1]
    address = said.removeprefix("the page is ")
    assert address.startswith("file://") and "#3-give-it-its-own-budget" in address
    page = Path(urllib.request.url2pathname(address.removeprefix("file://").split("#")[0]))
    assert 'id="3-give-it-its-own-budget-and-time"' in page.read_text(encoding="utf-8")


def guide_debug(ws: Path) -> None:
    """A guide that builds has nothing to trace: --debug changes nothing. (An unknown topic
    is a usage error, like argparse's, with no traceback either way.)"""
    assert ok(run(ws, "guide", "--list", "--debug")) == ok(run(ws, "guide", "--list"))
    typo = run(ws, "guide", "pilto", "--debug")
    assert typo.returncode == 2 and "did you mean 'pilot'?" in typo.stderr


def version(ws: Path) -> None:
    from buildcase import __version__

    assert ok(run(ws, "--version")).strip() == f"buildcase {__version__}"


RUNS: dict[tuple[str, str], Callable[[Path], None]] = {
    ("build", "--out"): build_out,
    ("build", "--strict"): build_strict,
    ("build", "--force"): build_force,
    ("build", "--jobs"): build_jobs,
    ("build", "--paper"): build_paper,
    ("build", "--audience"): build_audience,
    ("build", "--internal"): build_internal,
    ("build", "--formats"): build_formats,
    ("build", "--debug"): debug_shows_a_traceback("build", "proposals/missing"),
    ("check", "--strict"): check_strict,
    ("check", "--debug"): debug_shows_a_traceback("check", "proposals/missing"),
    ("new", "--debug"): debug_shows_a_traceback("new", "p"),  # p exists: never overwritten
    ("present", "--out"): present_out,
    ("present", "--audience"): present_audience,
    ("present", "--no-open"): present_no_open,
    ("present", "--debug"): debug_shows_a_traceback("present", "proposals/missing"),
    ("serve", "--host"): serve_host_and_port,
    ("serve", "--port"): serve_host_and_port,
    ("serve", "--strict"): serve_strict,
    ("serve", "--debug"): serve_debug,
    ("schema", "--section"): schema_section,
    ("schema", "--debug"): schema_debug,
    ("guide", "--list"): guide_list,
    ("guide", "--no-open"): guide_no_open,
    ("guide", "--debug"): guide_debug,
    ("", "--version"): version,
}


def options_named(text: str) -> set[tuple[str, str]]:
    """(command, option) for every option named in a `buildcase [COMMAND] ...` line or code
    span of `text`; the command is "" for the program's own options (`--version`)."""
    named: set[tuple[str, str]] = set()
    for line in re.findall(r"buildcase\b[^`\n|]*", text):
        words = line.split()
        command = words[1] if len(words) > 1 and words[1] in commands_reference() else ""
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line):
            named.add((command, option))
    return {(c, o) for c, o in named if o != "--help"}


def options_in_the_readme() -> set[tuple[str, str]]:
    return options_named(README.read_text(encoding="utf-8"))


def documented() -> set[tuple[str, str]]:
    reference = {
        (command, option)
        for command, options in commands_reference().items()
        for option in options
        if option != "--help"
    }
    return reference | options_in_the_readme() | {("", "--version")}


def test_every_documented_option_has_a_run() -> None:
    missing = documented() - set(RUNS)
    assert not missing, f"documented but never run from the command line: {sorted(missing)}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "command,option", sorted(RUNS), ids=[f"{c or 'buildcase'} {o}" for c, o in sorted(RUNS)]
)
def test_the_option_does_what_the_docs_say(command: str, option: str, ws: Path) -> None:
    RUNS[command, option](ws)


def test_the_option_finder_reads_commands_and_program_options() -> None:
    sample = textwrap.dedent("""\
        Run `buildcase build proposals/x --paper letter`, `buildcase --version`,
        then `buildcase check --strict | tee log`; `--jobs` alone is no command's.
    """)
    assert options_named(sample) == {
        ("build", "--paper"),
        ("", "--version"),
        ("check", "--strict"),
    }
