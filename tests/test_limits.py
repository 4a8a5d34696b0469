"""Limits: whatever a proposal folder holds, `buildcase check` (and `build`) answer with a
located message that names the limit, within memory and without hanging, and before any
expensive work (laying out a handout, building a site) begins.

Each hostile input runs through the real command line in a subprocess under a memory
limit, with a timeout that only guards against a hang: times are measured for the
release notes, not asserted. The inputs are the generated cases of the bad-input corpus
(tests/bad/, see tests/test_bad_inputs.py), whose expected.txt holds every line `check`
must print; here each case also names the one line a user must see.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import MINIMAL, PROPOSALS
from .test_bad_inputs import expected_lines, prepare

# Every test runs buildcase in a new process, about a second each.
pytestmark = [pytest.mark.slow]

MEMORY = 1536 << 20  # bytes of address space for the command: 1.5 GB
TIMEOUT = 30  # seconds; a guard against a hang (a FIFO waits forever), not a speed test


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def buildcase(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m buildcase ARGS` from `cwd`, under the memory limit and the timeout."""
    return subprocess.run(
        [sys.executable, "-m", "buildcase", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        stdin=subprocess.DEVNULL,
    )


def assert_refused(result: subprocess.CompletedProcess[str], line: str) -> None:
    """Exit 1, the located line among the messages, and nothing that looks like a crash."""
    assert result.returncode == 1, result.stderr[-2000:]
    assert line in result.stderr.splitlines(), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert "MemoryError" not in result.stderr


# case in tests/bad -> the line `check` must print (FILE:LINE:COLUMN: error: FIELD: MESSAGE)
HOSTILE = {
    "section-file-sparse-1gb": (
        "section-file-sparse-1gb/costs.yaml:1:1: error: the file is larger than 2,000,000 bytes"
    ),
    "benefits-1000": (
        "benefits-1000/proposal.yaml:12:3: error: benefits: 1,000 entries; at most 25: "
        "the two-page handout lists every one"
    ),
    "audiences-300": (
        "audiences-300/proposal.yaml:19:3: error: audiences: 300 entries; at most 12: "
        "each audience gets a handout and a page of its own"
    ),
    "section-file-fifo": (
        "section-file-fifo/costs.yaml:1:1: error: costs.yaml is a named pipe (FIFO), not a file"
    ),
    "section-file-is-a-folder": (
        "section-file-is-a-folder/costs.yaml:1:1: error: costs.yaml is a folder, not a file"
    ),
    "section-file-symlink-loop": (
        "section-file-symlink-loop/costs.yaml:1:1: error: "
        "costs.yaml is a symbolic link that loops back on itself"
    ),
    "logo-symlink-loop": (
        "logo-symlink-loop/proposal.yaml:19:9: error: branding.logo: "
        "'logo.png' is a symbolic link that loops back on itself"
    ),
    "survey-data-symlink-loop": (
        "survey-data-symlink-loop/proposal.yaml:21:9: error: survey.data: "
        "'answers.csv' is a symbolic link that loops back on itself"
    ),
    "number-5000-digits": (
        "number-5000-digits/proposal.yaml:17:13: error: risks[0].impact: this number has "
        "5,000 characters; a figure needs at most 30 (check the number, or quote it if it is text)"
    ),
    "date-before-1970": (
        "date-before-1970/proposal.yaml:6:7: error: date: 1969-12-31 is outside the dates "
        "buildcase supports, 1970-01-01 to 2099-12-31"
    ),
    "date-after-2099": (
        "date-after-2099/proposal.yaml:6:7: error: date: 2107-01-01 is outside the dates "
        "buildcase supports, 1970-01-01 to 2099-12-31"
    ),
    "duration-infinite": (
        "duration-infinite/proposal.yaml:20:15: error: plan[0].duration: a duration is at "
        "most 10 years, found "
        "99999999999999999999999999999999999999999999999999999999999999999999999999999..."
    ),
    "logo-png-9000-pixels": (
        "logo-png-9000-pixels/proposal.yaml:19:9: error: branding.logo: 'logo.png' is "
        "9,000 x 9,000 pixels; a logo is at most 4,096 x 4,096 (16 megapixels)"
    ),
    "logo-svg-1.9mb": (
        "logo-svg-1.9mb/proposal.yaml:19:9: error: branding.logo: "
        "'logo.svg' is larger than 100,000 bytes"
    ),
    "logo-svg-script": (
        "logo-svg-script/logo.svg:3:3: error: branding.logo: the logo holds a <script> "
        "element; an SVG logo may hold no script, event handler, foreignObject, link out of "
        "the file or CSS that loads a file: remove it, or use a PNG logo"
    ),
    "logo-svg-use-bomb": (
        "logo-svg-use-bomb/logo.svg:6:5: error: branding.logo: the logo holds a <g> that "
        "draws more than 2,000 elements once the <use> elements in it are expanded; "
        "simplify it, or save it again as plain SVG, or use a PNG logo"
    ),
    "section-file-hard-link-outside": (
        "section-file-hard-link-outside/costs.yaml:1:1: error: costs.yaml is a hard link: the "
        "same file under another name, maybe outside the proposal folder; copy the file into "
        "the folder instead"
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_check_refuses_a_hostile_input_with_a_located_limit(case: str, tmp_path: Path) -> None:
    name = prepare(case, tmp_path)
    result = buildcase(tmp_path, "check", name)
    assert_refused(result, HOSTILE[case])
    assert result.stderr.splitlines() == expected_lines(case)


def test_a_hard_link_to_a_file_outside_is_never_read(tmp_path: Path) -> None:
    name = prepare("section-file-hard-link-outside", tmp_path)
    result = buildcase(tmp_path, "check", name)
    assert result.returncode == 1
    assert "SECRET" not in result.stderr and "root:x" not in result.stderr


def test_a_symlink_loop_as_the_templates_folder_is_located(tmp_path: Path) -> None:
    folder = tmp_path / "loop"
    folder.mkdir()
    (folder / "proposal.yaml").write_text(MINIMAL, encoding="utf-8")
    (folder / "templates").symlink_to("templates-again")
    (folder / "templates-again").symlink_to("templates")
    for command in (["check", "loop"], ["build", "loop", "--out", "site"]):
        result = buildcase(tmp_path, *command)
        assert result.returncode == 1, result.stderr
        assert "loop/templates:1:1: error: " in result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_a_message_quotes_a_huge_value_cut_short(tmp_path: Path) -> None:
    # A benefit cites a goal by an "id" of 200,000 characters.
    name = prepare("reference-200kb", tmp_path)
    result = buildcase(tmp_path, "check", name)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines and all(len(line) <= 500 + len(name) for line in lines), [len(x) for x in lines]
    assert "xxxxxxxx..." in result.stderr


def test_thousands_of_problems_are_counted_not_all_printed(tmp_path: Path) -> None:
    name = prepare("costs-too-many-problems", tmp_path)
    result = buildcase(tmp_path, "check", name)
    lines = result.stderr.splitlines()
    assert len(lines) == 101
    assert lines[-1].endswith("error: 50 more problems are not shown; fix these and check again")


# --- build: refused before the engines lay out anything ------------------------------------

BUILD_CASES = [
    "section-file-sparse-1gb",  # `build` read all of it, to fingerprint the folder
    "benefits-1000",
    "audiences-300",
    "date-before-1970",
    "date-after-2099",
    "logo-svg-1.9mb",
    "logo-png-9000-pixels",
    "section-file-fifo",
]


@pytest.mark.parametrize("case", BUILD_CASES)
def test_build_refuses_a_hostile_input_as_check_does(case: str, tmp_path: Path) -> None:
    name = prepare(case, tmp_path)
    result = buildcase(tmp_path, "build", name, "--out", "site")
    assert_refused(result, HOSTILE[case])
    assert not (tmp_path / "site" / name).exists()


def test_a_logo_with_a_script_is_never_published(tmp_path: Path) -> None:
    name = prepare("logo-svg-script", tmp_path)
    result = buildcase(tmp_path, "build", name, "--out", "site")
    assert_refused(result, HOSTILE["logo-svg-script"])
    published = list((tmp_path / "site").rglob("logo*")) if (tmp_path / "site").exists() else []
    assert published == []


# --- what must keep working ---------------------------------------------------------------


def test_the_examples_pass_check_as_checked_out_and_as_copied(tmp_path: Path) -> None:
    # No file of an example is a hard link (git checks files out one by one), nor of a
    # copy; a copy gets exactly the warnings of the original, and no error.
    for example in sorted(p for p in PROPOSALS.iterdir() if p.is_dir()):
        copy = tmp_path / example.name
        shutil.copytree(example, copy)
        for folder in (example, copy):
            assert [p for p in folder.rglob("*") if os.lstat(p).st_nlink > 1 and p.is_file()] == []
        original = buildcase(tmp_path, "check", str(example))
        copied = buildcase(tmp_path, "check", example.name)
        assert original.returncode == copied.returncode == 0, original.stderr
        assert ": error: " not in original.stderr
        assert copied.stderr == original.stderr.replace(str(example.parent) + "/", "")
