"""Golden output for one good proposal: what the templates make of the reference proposal
(every site page's Markdown, every handout's HTML, every deck), compared byte for byte with
tests/golden/<slug>/. A change to a template, a label, a chart or a computed figure shows
here as a diff a reviewer reads.

After an intended change, rewrite the golden files and read the diff it prints:

    python -m tests.test_golden --regenerate
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

import pytest

from buildcase.compute import build_case
from buildcase.load import load_proposal
from buildcase.render.case import Rendered, render_case
from buildcase.validate import validate_proposal
from buildcase.workspace import template_dirs

from .conftest import REFERENCE, ROOT

GOLDEN = Path(__file__).resolve().parent / "golden" / REFERENCE.name
PDF_DATE = "2026-11-22T00:00:00Z"  # the reference proposal's date, as the build writes it


def rendered_files() -> dict[str, str]:
    """Each output the templates make, by the file it is kept under in tests/golden/."""
    proposal, _ = validate_proposal(load_proposal(REFERENCE))
    case = build_case(proposal, REFERENCE.name)
    rendered: Rendered = render_case(case, template_dirs(REFERENCE, ROOT), "a4", PDF_DATE)
    files = {f"pages/{name}": text for name, text in rendered.pages.items()}
    files |= {f"handouts/{name}.html": text for name, text in rendered.handouts.items()}
    files |= {f"decks/{name}": text for name, text in rendered.decks.items()}
    return files


@pytest.fixture(scope="module")
def made() -> dict[str, str]:
    return rendered_files()


def test_every_golden_file_is_still_made(made: dict[str, str]) -> None:
    kept = sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())
    assert kept == sorted(made), "python -m tests.test_golden --regenerate, then review"


@pytest.mark.parametrize(
    "name", sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())
)
def test_the_reference_proposal_renders_as_its_golden_file(made: dict[str, str], name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    if made.get(name) != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    (made.get(name) or "").splitlines(keepends=True),
                    f"golden/{name}",
                    "now",
                )
            )[:60]
        )
        pytest.fail(f"{name} differs (python -m tests.test_golden --regenerate):\n{diff}")


def regenerate() -> int:
    """Rewrite tests/golden/ from the templates as they are; print what changed."""
    made = rendered_files()
    changed = 0
    for old in [p for p in GOLDEN.rglob("*") if p.is_file()]:
        if old.relative_to(GOLDEN).as_posix() not in made:
            print(f"removed {old.relative_to(GOLDEN)}")
            old.unlink()
            changed += 1
    for name, text in sorted(made.items()):
        path = GOLDEN / name
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        if before != text:
            changed += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    before.splitlines(keepends=True), text.splitlines(keepends=True), name, name
                )
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    print(f"{changed} of {len(made)} golden files rewritten; read every change")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.test_golden")
    parser.add_argument("--regenerate", action="store_true", required=True,
                        help="rewrite tests/golden/ from the current output")  # fmt: skip
    parser.parse_args()
    sys.exit(regenerate())
