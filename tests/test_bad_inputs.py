"""The bad-input corpus: every folder under tests/bad/ is a proposal `buildcase check` must
refuse, with exactly the messages in its expected.txt; tests/bad/must-work/ holds odd but
valid inputs that must pass. See tests/bad/README.md for the layout and the normalization.

Each case runs through the real command line in this process (`main(["check", CASE])`),
from a copy of the case in a temporary folder that is also the working folder, so paths
print as `CASE/proposal.yaml:LINE:COLUMN`.

After an intended change to the messages, rewrite every expected.txt from the tool and
review the diff it prints (read each message as the author of a proposal would):

    python -m tests.test_bad_inputs --regenerate            # every case
    python -m tests.test_bad_inputs --regenerate CASE ...   # some cases
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from buildcase.cli import main

from .conftest import MINIMAL

BAD = Path(__file__).resolve().parent / "bad"
MUST_WORK = "must-work"  # tests/bad/must-work/<case>/: inputs that must pass `check`
EXPECTED = "expected.txt"

# The small valid proposal the generated cases start from (the hand-written cases were
# made from it too; see tests/bad/README.md).
BASE = MINIMAL

# --- generated inputs ----------------------------------------------------------------------
# Cases whose input holds bytes that do not belong in the repository (Latin-1, a byte-order
# mark, CRLF line endings) or is too big to commit are written here, into the temporary
# copy of the case folder, before the case runs. The case folder itself holds only its
# expected.txt (and a NOTE.txt saying the input is generated).


def _write(folder: Path, data: bytes, name: str = "proposal.yaml") -> None:
    (folder / name).write_bytes(data)


def _latin1(folder: Path) -> None:
    # "Café" saved by an old editor as Latin-1: é is the single byte 0xE9 (line 2, column 23).
    _write(folder, BASE.replace("organization: Acme", "organization: Acme Café").encode("latin-1"))


def _long_title(folder: Path) -> None:
    # A title of 199,999 characters on one line (200 kB), as a paste gone wrong would give.
    title = ("Onboarding training " * 10_000).strip()
    _write(folder, BASE.replace("Onboarding training", title, 1).encode())


def _nested(folder: Path) -> None:
    # 200 levels of nested lists, in flow style: summary: [[[[ ... ]]]]
    _write(folder, BASE.replace("Train new starters.", "[" * 200 + "x" + "]" * 200).encode())


def _nested_deeper(folder: Path) -> None:
    # 1,000 levels: deep enough that the YAML parser itself, not buildcase, runs out of depth.
    _write(folder, BASE.replace("Train new starters.", "[" * 1000 + "x" + "]" * 1000).encode())


def _nested_block(folder: Path) -> None:
    # 200 levels of nested lists in block style, each level two spaces deeper.
    lines = "".join("  " * i + "-\n" for i in range(199)) + "  " * 199 + "- x\n"
    _write(folder, BASE.replace("summary: Train new starters.\n", "summary:\n" + lines).encode())


def _huge_benefits(n: int, last_goal: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        benefits = "".join(
            f"  - id: benefit-{i}\n    title: Benefit number {i}\n"
            f"    goals: [{'retention' if i < n else last_goal}]\n    annual_value: {i}\n"
            for i in range(1, n + 1)
        )
        text = BASE.replace(
            "benefits:\n  - title: New starters stay longer\n    goals: [retention]\n",
            "benefits:\n" + benefits,
        )
        _write(folder, text.encode())

    return write


def _too_large(folder: Path) -> None:
    # Over the 2,000,000-byte limit: a valid proposal padded with a long comment.
    _write(folder, (BASE + ("# " + "x" * 98 + "\n") * 21_000).encode())


def _outside(folder: Path) -> None:
    # risks.yaml is a symbolic link to a file outside the proposal folder.
    root, _, risks = BASE.partition("risks:\n")
    _write(folder, root.encode())
    (folder.parent / "elsewhere.yaml").write_text("risks:\n" + risks, encoding="utf-8")
    (folder / "risks.yaml").symlink_to(Path("..") / "elsewhere.yaml")


def _control_character(folder: Path) -> None:
    # An invisible control character (BEL, 0x07) pasted into a value: line 2, column 17.
    _write(folder, BASE.replace("organization: Acme", "organization: Ac\x07me").encode())


def _bom(folder: Path) -> None:
    # Notepad's UTF-8 with a byte-order mark.
    _write(folder, b"\xef\xbb\xbf" + BASE.encode())


def _crlf(folder: Path) -> None:
    # Windows line endings, in the root file and in a section file.
    root, _, risks = BASE.partition("risks:\n")
    _write(folder, root.replace("\n", "\r\n").encode())
    _write(folder, ("risks:\r\n" + risks.replace("\n", "\r\n")).encode(), "risks.yaml")


def _bom_crlf_section(folder: Path) -> None:
    # A section file with both a byte-order mark and CRLF, holding the bare list.
    root, _, risks = BASE.partition("risks:\n")
    _write(folder, root.encode())
    bare_list = textwrap.dedent(risks).replace("\n", "\r\n")
    _write(folder, b"\xef\xbb\xbf" + bare_list.encode(), "risks.yaml")


GENERATED: dict[str, Callable[[Path], None]] = {
    "not-utf8-latin1": _latin1,
    "very-long-title": _long_title,
    "deeply-nested-flow": _nested,
    "deeply-nested-block": _nested_block,
    "deeply-nested-1000-levels": _nested_deeper,
    "huge-document-one-error": _huge_benefits(5_000, "growth"),
    "file-too-large": _too_large,
    "section-file-outside-folder": _outside,
    "control-character": _control_character,
    f"{MUST_WORK}/byte-order-mark": _bom,
    f"{MUST_WORK}/windows-line-endings": _crlf,
    f"{MUST_WORK}/section-file-bom-and-crlf": _bom_crlf_section,
    f"{MUST_WORK}/huge-document": _huge_benefits(5_000, "retention"),
}

# Seconds a case may take; the alias bomb must be refused at once, not expanded.
TIME_LIMIT = 5.0
TIME_LIMITS = {
    "yaml-alias-bomb": 1.0,
    "huge-document-one-error": 10.0,  # 5,000 benefits: about 1.5 s and 85 MB today
    f"{MUST_WORK}/huge-document": 10.0,
}

# Cases where the tool's current behaviour is wrong: their expected.txt holds what it
# should print, and the test is expected to fail until the tool is fixed (then remove the
# entry). --regenerate leaves their expected.txt alone.
KNOWN_GAPS: dict[str, str] = {}


# --- running a case --------------------------------------------------------------------


def bad_cases() -> list[str]:
    return sorted(p.parent.name for p in BAD.glob(f"*/{EXPECTED}") if p.parent.name != MUST_WORK)


def must_work_cases() -> list[str]:
    return sorted(f"{MUST_WORK}/{p.parent.name}" for p in BAD.glob(f"{MUST_WORK}/*/{EXPECTED}"))


@contextlib.contextmanager
def _working_folder(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def prepare(case: str, workdir: Path) -> str:
    """Copy the case's input into `workdir/<name>/` (generating it if listed) -> name."""
    source = BAD / case
    name = source.name
    target = workdir / name
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.name not in (EXPECTED, "NOTE.txt"):
            shutil.copy2(path, target / path.name)
    if case in GENERATED:
        GENERATED[case](target)
    return name


def run_check(case: str, workdir: Path) -> tuple[int, str, str, float]:
    """`buildcase check NAME` from `workdir`: exit code, stdout, stderr, seconds."""
    name = prepare(case, workdir)
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with _working_folder(workdir), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):  # fmt: skip
        try:
            code = main(["check", name])
        except SystemExit as e:
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - started


def expected_lines(case: str) -> list[str]:
    return (BAD / case / EXPECTED).read_text(encoding="utf-8").splitlines()


# --- the tests -------------------------------------------------------------------------


def _marks(case: str) -> list[pytest.MarkDecorator]:
    if case in KNOWN_GAPS:
        return [pytest.mark.xfail(reason=KNOWN_GAPS[case], strict=True)]
    return []


@pytest.mark.parametrize("case", [pytest.param(c, marks=_marks(c), id=c) for c in bad_cases()])
def test_bad_input_is_refused_with_exactly_the_expected_errors(case: str, tmp_path: Path) -> None:
    expected = expected_lines(case)
    assert any(": error: " in line for line in expected), f"{case}: expected.txt has no error"
    code, out, err, seconds = run_check(case, tmp_path)
    assert "Traceback" not in out + err
    assert err.splitlines() == expected
    assert code == 1
    assert out.strip() == "checked 1 proposal: 0 ok, 1 with errors"
    assert seconds < TIME_LIMITS.get(case, TIME_LIMIT)


@pytest.mark.parametrize("case", must_work_cases())
def test_odd_but_valid_input_passes(case: str, tmp_path: Path) -> None:
    code, out, err, seconds = run_check(case, tmp_path)
    assert "Traceback" not in out + err
    assert err.splitlines() == expected_lines(case)
    assert code == 0
    assert out.strip() == "checked 1 proposal: 1 ok, 0 with errors"
    assert seconds < TIME_LIMITS.get(case, TIME_LIMIT)


def test_alias_bomb_is_refused_in_under_a_second(tmp_path: Path) -> None:
    code, _, err, seconds = run_check("yaml-alias-bomb", tmp_path)
    assert code == 1 and "YAML aliases (*name) are not allowed" in err
    assert seconds < 1.0


def _check_values(case: str, tmp_path: Path) -> object:
    from buildcase.build import check_proposal

    name = prepare(case, tmp_path)
    proposal, _ = check_proposal(tmp_path / name)
    return proposal


def test_yes_and_no_stay_text(tmp_path: Path) -> None:
    p = _check_values(f"{MUST_WORK}/yes-and-no-are-text", tmp_path)
    assert (p.organization, p.summary) == ("NO", "yes")  # type: ignore[attr-defined]
    assert p.goals[0].owner == "no"  # type: ignore[attr-defined]
    assert p.audiences[0].cares_about == ["yes", "off", "on"]  # type: ignore[attr-defined]


def test_underscores_in_money(tmp_path: Path) -> None:
    p = _check_values(f"{MUST_WORK}/money-with-underscores", tmp_path)
    assert p.request.budget == 184000  # type: ignore[attr-defined]
    assert p.costs[0].amount == 184000  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "case", [f"{MUST_WORK}/byte-order-mark", f"{MUST_WORK}/windows-line-endings"]
)
def test_bom_and_crlf_read_the_same_values(case: str, tmp_path: Path) -> None:
    p = _check_values(case, tmp_path)
    assert p.title == "Onboarding training"  # type: ignore[attr-defined]
    assert p.prepared_by.role == "L&D lead"  # type: ignore[attr-defined]
    assert p.risks[0].title == "New starters leave"  # type: ignore[attr-defined]


def test_every_generated_case_has_a_folder() -> None:
    missing = [c for c in GENERATED if not (BAD / c / EXPECTED).is_file()]
    assert not missing


# --- regenerating expected.txt ------------------------------------------------------------


def regenerate(cases: list[str]) -> int:
    """Rewrite each case's expected.txt from the tool's output; print what changed."""
    import tempfile

    changed = 0
    for case in cases:
        if case in KNOWN_GAPS:
            print(f"skipped {case}: a known gap ({KNOWN_GAPS[case]})")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            code, _, err, _ = run_check(case, Path(tmp))
        path = BAD / case / EXPECTED
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if err != old:
            changed += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(keepends=True), err.splitlines(keepends=True),
                    f"{case}/{EXPECTED}", f"{case}/{EXPECTED} (now, exit {code})",
                )
            )  # fmt: skip
            path.write_text(err, encoding="utf-8")
    print(f"{changed} of {len(cases)} expected.txt rewritten; read every changed message")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.test_bad_inputs")
    parser.add_argument("--regenerate", action="store_true", required=True,
                        help="rewrite expected.txt from the current output")  # fmt: skip
    parser.add_argument("cases", nargs="*", help="case folders under tests/bad/ (default: all)")
    args = parser.parse_args()
    sys.exit(regenerate(args.cases or bad_cases() + must_work_cases()))
