"""A proposal is rebuilt when any file the build reads changes, hidden or not (issue 33):
the fingerprint that skips unchanged proposals passed over names starting with '.', while
the build reads a survey's CSV, or a template, whatever its name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import MINIMAL, run_cli, write_proposal
from .test_build import page_text

# Each test builds a proposal twice through the engines.
pytestmark = [pytest.mark.slow]

SURVEY = """\
survey:
  title: Staff survey
  conducted: 2026-10
  data: {data}
  stats:
    - {{id: asked, label: are asked by friends, column: Q1, answers: [Yes]}}
"""


def with_survey_data(name: str) -> Callable[[Path], Path]:
    """A proposal whose survey's answers are in `name`: 1 of 4 said yes."""

    def make(workspace: Path) -> Path:
        folder = write_proposal(workspace, MINIMAL + SURVEY.format(data=name))
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("Q1\nYes\nNo\nNo\nNo\n", encoding="utf-8")
        return folder / name

    return make


def with_hidden_template(workspace: Path) -> Path:
    """A proposal whose own start page includes a hidden template beside it."""
    folder = write_proposal(workspace, MINIMAL)
    site = folder / "templates" / "site"
    site.mkdir(parents=True)
    (site / "index.md.j2").write_text('# Start\n\n{% include "site/.note.md.j2" %}\n')
    (site / ".note.md.j2").write_text("25%\n")
    return site / ".note.md.j2"


@pytest.mark.parametrize(
    "make",
    [with_survey_data(".answers.csv"), with_survey_data(".data/answers.csv"), with_hidden_template],
    ids=["hidden-csv", "csv-in-a-hidden-folder", "hidden-template"],
)
def test_a_changed_hidden_input_is_rebuilt(
    workspace: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path]
) -> None:
    hidden = make(workspace)
    folder = workspace / "proposals" / "p"
    code, out, err = run_cli(capsys, "build", str(folder), "--jobs", "1")
    assert code == 0, err
    assert "25%" in page_text(workspace / "site" / "p" / "index.html")
    if hidden.suffix == ".csv":  # now 3 of 4 said yes, in a file of another size
        hidden.write_text("Q1\nYes\nYes\nYes\nNo\n", encoding="utf-8")
    else:
        hidden.write_text("75 percent\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "build", str(folder), "--jobs", "1")
    assert code == 0, err
    assert "1 built, 0 unchanged" in out, "the output was left as built from the old file"
    assert "75" in page_text(workspace / "site" / "p" / "index.html")
