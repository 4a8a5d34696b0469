"""Nothing from a proposal writes to the terminal: a file name or a value that holds an
escape code (ESC [ 2 J clears the screen, ESC ] 0 ; retitles the window) or a bidirectional
override is printed as the visible escape `\\x1b`, `\\u202e`, by every command, in every
message (README, "Every problem is an answer, not a crash")."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildcase.cli import visible

from .conftest import MINIMAL, run_cli, write_proposal

# Clears the screen, retitles the window, then prints in red: what a hostile value does to
# a terminal that is sent it raw.
CODES = "\x1b[2J\x1b]0;pwned\x07\x1b[31m"
SHOWN = "\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31m"


def acts_on_the_terminal(text: str) -> bool:
    """Whether `text` holds a character a terminal acts on rather than shows."""
    return any(c in text for c in "\x1b\x07\x9b\u202e") or any(
        ord(c) < 0x20 and c not in "\n\t" for c in text
    )


def test_an_escape_code_in_a_value_is_printed_as_text(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # YAML writes ESC as \e and BEL as \a in a double-quoted string.
    folder = write_proposal(workspace, MINIMAL + 'currency: "\\e[2J\\e]0;pwned\\a\\e[31m"\n')
    code, out, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert (
        f"error: currency: expected an ISO 4217 currency code such as USD, found '{SHOWN}'" in err
    )
    assert not acts_on_the_terminal(out + err)


def test_an_escape_code_in_a_file_name_is_printed_as_text(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stray YAML file is named in a warning, and its name is the proposal's to choose;
    the warning's second line (its guide) is still a line of its own."""
    folder = write_proposal(workspace, MINIMAL)
    (folder / f"{CODES}notes\u202etxt.yaml").write_text("notes: 1\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "check", str(folder))
    assert code == 0
    assert err.splitlines() == [
        f"proposals/p/{SHOWN}notes\\u202etxt.yaml:1:1: warning: this file is not read",
        "    guide: buildcase guide section-files",
    ]
    assert not acts_on_the_terminal(out + err)


def test_a_proposal_folder_named_with_escape_codes_is_printed_as_text(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The folder's name is in every message of `check` and `build`."""
    folder = write_proposal(workspace, MINIMAL.replace("date: 2026-11-01\n", ""), slug=CODES)
    for command in ("check", "build"):
        code, out, err = run_cli(capsys, command, str(folder))
        assert code == 1, command
        assert f"proposals/{SHOWN}/proposal.yaml:1:1: error: date: " in err, command
        assert not acts_on_the_terminal(out + err), command


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),  # ESC
        ("a\x00b\x08c\x7fd", "a\\x00b\\x08c\\x7fd"),  # NUL, backspace, DEL
        ("over\rwritten", "over\\x0dwritten"),  # back to the line's start
        ("\x9b2J", "\\x9b2J"),  # C1: CSI in one character
        ("report\u202etxt.exe", "report\\u202etxt.exe"),  # shown as reportexe.txt
        ("a\u2066b\u2069c\u200fd", "a\\u2066b\\u2069c\\u200fd"),  # isolates, a mark
        ("name\udcff.yaml", "name\\udcff.yaml"),  # a file name that is not UTF-8
        ("line\n    guide: x\tand a tab", "line\n    guide: x\tand a tab"),  # the layout stays
        ("Zürich – 日本 👩‍💻", "Zürich – 日本 👩‍💻"),  # text is text
    ],
)
def test_visible_shows_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert visible(text) == shown
