"""The documentation site (mkdocs-docs.yml, pages under docs/): it builds with
`mkdocs build --strict`, every YAML sample in it passes `buildcase check`, the tutorial's
commands, run in order in an empty folder, reach a built site, handout and deck, and every
option the commands reference names is one the command accepts.

Markers, an HTML comment on the line before a fenced block:

- `<!-- check -->` before a ```yaml block: a whole proposal; it must pass `check`.
- `<!-- check-merged -->`: a fragment whose top-level sections replace those of the
  tutorial's proposal; the result must pass `check`.
- `<!-- fragment: WHY -->`: a fragment that is not checked, with the reason.
- `<!-- write: PATH -->` / `<!-- append: PATH -->` (the tutorial): the block is written to,
  or appended to, PATH in the tutorial's folder, in order with its commands.
- `<!-- setup: WHY -->` before a ```console block: installation, already done where the
  tests run (the test checks that it is).

A ```yaml block with no marker fails the test: nothing is skipped silently.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CONFIG = ROOT / "mkdocs-docs.yml"
SHARED_CONFIG = DOCS / "mkdocs.yml"  # the one configuration, also `buildcase guide`'s
TUTORIAL = DOCS / "tutorial.md"
COMMANDS = DOCS / "reference" / "commands.md"

# The pages of the documentation site written for it; proposal-format.md is the format
# reference, kept with the code and tested by its own tests.
PAGES = sorted(
    p for p in DOCS.rglob("*.md") if p.name != "proposal-format.md" and "before" not in p.parts
)

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*([a-z-]+)(?::\s*(.*?))?\s*-->\s*$")


@dataclass
class Block:
    page: Path
    line: int
    lang: str
    text: str
    marker: str | None
    argument: str | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a page, each with the marker on the line before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = MARKER.match(before.strip())
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        assert end < len(lines), f"{page}:{i + 1}: a code block that is never closed"
        found.append(
            Block(
                page,
                i + 1,
                opening.group(1),
                "\n".join(lines[i + 1 : end]) + "\n",
                marker.group(1) if marker else None,
                marker.group(2) if marker else None,
            )
        )
        i = end + 1
    return found


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def buildcase(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "buildcase", *args], cwd)


@pytest.mark.slow
def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    done = run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(CONFIG),
            "-d",
            str(tmp_path),
        ],
        ROOT,
    )
    assert done.returncode == 0, done.stderr
    for page in PAGES:
        html = tmp_path / page.relative_to(DOCS).with_suffix(".html")
        assert html.is_file(), f"{page.relative_to(ROOT)} was not built"
    assert (tmp_path / "proposal-format.html").is_file()
    assert not (tmp_path / "mkdocs.yml").exists()  # the configuration is not a page


def test_the_repositorys_config_only_says_where_the_pages_and_the_site_are() -> None:
    import yaml

    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert config == {"INHERIT": "docs/mkdocs.yml", "docs_dir": "docs", "site_dir": "site-docs"}


def test_every_page_is_in_the_nav() -> None:
    config = SHARED_CONFIG.read_text(encoding="utf-8")
    for page in PAGES:
        assert page.relative_to(DOCS).as_posix() in config, f"{page.name} is not in the nav"


def test_every_yaml_block_is_marked() -> None:
    known = {"check", "check-merged", "fragment", "write", "append"}
    unmarked = [
        b.where
        for page in PAGES
        for b in blocks(page)
        if b.lang == "yaml" and b.marker not in known
    ]
    assert not unmarked, f"YAML blocks with no marker (say check or fragment): {unmarked}"
    fragments = [
        b.where
        for page in PAGES
        for b in blocks(page)
        if b.marker == "fragment" and not (b.argument or "").strip()
    ]
    assert not fragments, f"a fragment marker must say why it is not checked: {fragments}"


def tutorial_proposal() -> str:
    """The proposal the tutorial has the reader type in, assembled as they would."""
    text = ""
    for block in blocks(TUTORIAL):
        if block.marker == "write":
            text = block.text
        elif block.marker == "append":
            text += block.text
    assert text, "the tutorial writes no proposal"
    return text


def check_proposal(text: str, folder: Path) -> subprocess.CompletedProcess[str]:
    proposal = folder / "proposals" / "sample"
    proposal.mkdir(parents=True)
    (proposal / "proposal.yaml").write_text(text, encoding="utf-8")
    return buildcase(["check", "--strict", str(proposal)], folder)


def yaml_samples() -> list[Block]:
    return [b for page in PAGES for b in blocks(page) if b.marker in {"check", "check-merged"}]


def merged(fragment: str) -> str:
    """The tutorial's proposal with the fragment's top-level sections in place of its own."""
    import yaml

    base = yaml.safe_load(tutorial_proposal())
    update = yaml.safe_load(fragment)
    assert isinstance(update, dict), "a check-merged fragment holds top-level sections"
    base.update(update)
    return yaml.safe_dump(base, sort_keys=False, allow_unicode=True)


@pytest.mark.slow
@pytest.mark.parametrize("block", yaml_samples(), ids=lambda b: b.where)
def test_every_yaml_sample_passes_check(block: Block, tmp_path: Path) -> None:
    text = block.text if block.marker == "check" else merged(block.text)
    done = check_proposal(text, tmp_path)
    assert done.returncode == 0, f"{block.where}:\n{done.stdout}{done.stderr}\n{text}"


@pytest.mark.slow
def test_the_tutorials_proposal_passes_check_with_no_warning(tmp_path: Path) -> None:
    done = check_proposal(tutorial_proposal(), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stderr, done.stderr


@pytest.mark.slow
def test_the_tutorials_commands_reach_a_site_a_handout_and_a_deck(tmp_path: Path) -> None:
    cwd = tmp_path
    ran: list[str] = []
    for block in blocks(TUTORIAL):
        if block.marker in {"write", "append"}:
            assert block.argument, f"{block.where}: say which file"
            path = cwd / block.argument
            assert path.parent.is_dir(), f"{block.where}: {path.parent} does not exist yet"
            old = path.read_text(encoding="utf-8") if block.marker == "append" else ""
            path.write_text(old + block.text, encoding="utf-8")
            continue
        if block.lang not in {"console", "sh"}:
            continue
        commands = [line[2:] for line in block.text.splitlines() if line.startswith("$ ")]
        if block.marker == "setup":
            assert commands == ["pip install -e ."], f"{block.where}: an unexpected setup step"
            assert run([sys.executable, "-c", "import buildcase"], cwd).returncode == 0
            continue
        for command in commands:
            words = shlex.split(command)
            ran.append(command)
            if words[0] == "cd":
                cwd = cwd / words[1]
                assert cwd.is_dir(), f"{block.where}: no folder {words[1]}"
                continue
            if words[0] == "buildcase":
                words = [sys.executable, "-m", "buildcase", *words[1:]]
            # BROWSER=true: `present` "opens" the deck with the command `true`, not a window.
            done = run(words, cwd, BROWSER="true")
            assert done.returncode == 0, f"{block.where}: $ {command}\n{done.stdout}{done.stderr}"
    assert any(c.startswith("buildcase new") for c in ran)
    assert any(c.startswith("buildcase build") for c in ran)
    assert any(c.startswith("buildcase present") for c in ran)
    out = cwd / "site" / "my-proposal"
    for name in ("index.html", "handout.pdf", "present.html"):
        assert (out / name).is_file(), f"the tutorial did not make {name}"
    assert (out / "handout.pdf").read_bytes().startswith(b"%PDF")


def commands_reference() -> dict[str, set[str]]:
    """The options the commands reference names, under each `## buildcase CMD` heading."""
    sections: dict[str, set[str]] = {}
    current: str | None = None
    for line in COMMANDS.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## `buildcase (\w+)", line)
        if heading:
            current = heading.group(1)
            sections[current] = set()
        elif line.startswith("## "):
            current = None
        elif current:
            sections[current].update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line))
    return sections


def help_options(command: str) -> set[str]:
    done = buildcase([command, "--help"], ROOT)
    assert done.returncode == 0, done.stderr
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", done.stdout))


def test_the_commands_reference_covers_every_command() -> None:
    done = buildcase(["--help"], ROOT)
    listed = set(re.findall(r"^    (\w+)\s", done.stdout, re.MULTILINE))
    assert listed, done.stdout
    assert set(commands_reference()) == listed


@pytest.mark.parametrize("command", sorted(commands_reference()))
def test_every_option_in_the_reference_exists_and_every_option_is_documented(
    command: str,
) -> None:
    named = commands_reference()[command]
    accepted = help_options(command) - {"--help"}
    assert named - {"--help"} <= accepted, f"named but not accepted: {named - accepted}"
    assert accepted <= named, f"accepted but not documented: {accepted - named}"


# The messages the docs quote, each with the edit to the tutorial's proposal (or the
# reference example) that makes `check` print it: a quoted line and column goes stale
# when the proposal above it changes, and this notices.
QUOTED_MESSAGES = {
    "tutorial: a typing mistake": (
        TUTORIAL,
        lambda text: text.replace("likelihood:", "likelyhood:", 1),
        "risks[0].likelyhood: unknown key",
    ),
    "tutorial: costs that do not add up": (
        TUTORIAL,
        lambda text: text.replace("amount: 36000", "amount: 34000", 1),
        "costs: the costs add up to",
    ),
    "commands: a pilot above the budget": (
        COMMANDS,
        lambda text: text.replace("budget: 6000}", "budget: 60000}", 1),
        "request.pilot.budget:",
    ),
    "survey numbers: old evidence": (
        DOCS / "how-to" / "survey-numbers.md",
        None,  # the reference example as it is
        "evidence[0].year:",
    ),
}


def quoted_lines(page: Path, marker: str) -> list[str]:
    """The lines of the page's text blocks that quote a message holding `marker`, with the
    guide line under it."""
    found = []
    for block in blocks(page):
        lines = block.text.splitlines()
        for i, line in enumerate(lines):
            if marker in line and "proposal.yaml:" in line:
                found.append("\n".join(lines[i : i + 2]))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(QUOTED_MESSAGES))
def test_every_message_the_docs_quote_is_what_check_prints(case: str, tmp_path: Path) -> None:
    page, edit, marker = QUOTED_MESSAGES[case]
    [quoted] = quoted_lines(page, marker)
    if edit is None:
        folder = tmp_path / "proposals" / "social-media-training"
        shutil.copytree(ROOT / "proposals" / "social-media-training", folder)
    else:
        folder = tmp_path / "proposals" / "my-proposal"
        folder.mkdir(parents=True)
        text = tutorial_proposal()
        edited = edit(text)
        assert edited != text, f"{case}: the edit no longer applies to the tutorial"
        (folder / "proposal.yaml").write_text(edited, encoding="utf-8")
    done = buildcase(["check", str(folder.relative_to(tmp_path))], tmp_path)
    assert quoted in done.stdout + done.stderr, f"{case}: check printed\n{done.stderr}"
