"""Stage 1: YAML read with positions, YAML 1.2 scalars, and what the loader refuses."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from buildcase.errors import ProposalInvalid
from buildcase.load import load_proposal, yaml_source
from buildcase.load.yaml_source import Budget, plain_scalar

from .conftest import MINIMAL, PROPOSALS, ROOT, write_proposal


def only_error(folder: Path) -> str:
    with pytest.raises(ProposalInvalid) as caught:
        load_proposal(folder)
    errors = caught.value.errors
    assert len(errors) == 1, errors
    return str(errors[0])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("no", "no"),  # YAML 1.1 would say False: a country code or an answer stays text
        ("012", 12),  # not octal 10
        ("3:30", "3:30"),  # not sexagesimal 210
        ("1e6", 1_000_000.0),
        ("184_000", 184000),
        ("2026-11-22", "2026-11-22"),  # dates stay text for the validator
        ("true", True),
        ("~", None),
    ],
)
def test_plain_scalars_follow_yaml_1_2(text: str, value: object) -> None:
    assert plain_scalar(text) == value


def test_locations_are_one_based_file_line_column(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    loaded = load_proposal(folder)
    loc = loaded.source.value(("risks", 0, "likelihood"))
    assert (loc.file.name, loc.line, loc.column) == ("proposal.yaml", 16, 17)


def test_alias_bomb_is_refused_fast(workspace: Path) -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb += f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    folder = write_proposal(workspace, bomb)
    message = only_error(folder)  # refused at the first alias; the memory-limited run of
    # this bomb is tests/test_bad_inputs.py::test_alias_bomb_is_refused_before_it_expands
    assert message.endswith(
        "proposal.yaml:2:8: error: YAML aliases (*name) are not allowed; write the value out"
    )


def test_duplicate_key_names_both_lines(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + "title: Again\n")
    assert only_error(folder).endswith(
        "proposal.yaml:18:1: error: title: duplicate key; it is already given on line 1"
    )


def test_python_tags_cannot_build_objects(workspace: Path) -> None:
    folder = write_proposal(workspace, "title: !!python/object/apply:os.system ['echo hi']\n")
    assert only_error(folder).endswith(
        "proposal.yaml:1:8: error: title: YAML tags such as !!python/object/apply:os.system are not allowed; write the plain value"
    )


def test_tab_indentation_is_located(workspace: Path) -> None:
    folder = write_proposal(workspace, "title: x\nprepared_by:\n\tname: y\n")
    assert only_error(folder).endswith(
        "proposal.yaml:3:1: error: YAML syntax: a tab character; indent with spaces"
    )


def test_unclosed_quote_is_a_syntax_error(workspace: Path) -> None:
    folder = write_proposal(workspace, 'title: "unclosed\norganization: x\n')
    # located at the opening quote, not at the end of the file where PyYAML notices
    assert only_error(folder).endswith(
        "proposal.yaml:1:8: error: YAML syntax: this quoted text is never closed; add the closing quote"
    )


def test_empty_file_and_list_root(workspace: Path) -> None:
    folder = write_proposal(workspace, "# nothing yet\n", slug="empty")
    assert only_error(folder).endswith(
        "proposal.yaml:1:1: error: the file holds only comments; `buildcase new SLUG` writes a proposal to start from"
    )
    folder = write_proposal(workspace, "- title: x\n", slug="list")
    assert only_error(folder).endswith(
        "proposal.yaml:1:1: error: expected a mapping of sections (key: value), found a list"
    )


def test_non_utf8_names_line_and_column(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    (folder / "proposal.yaml").write_bytes(b"title: ok\norganization: Caf\xe9\n")
    assert only_error(folder).endswith(
        "proposal.yaml:2:18: error: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    )


def test_byte_order_mark_and_windows_line_endings_load(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    (folder / "proposal.yaml").write_bytes(b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode())
    loaded = load_proposal(folder)
    assert loaded.data["title"] == "Onboarding training"
    assert loaded.source.value(("risks", 0, "impact")).line == 17


@pytest.mark.parametrize("wrapped", [True, False])
def test_a_section_may_live_in_its_own_file(workspace: Path, wrapped: bool) -> None:
    root, _, _ = MINIMAL.partition("risks:")
    risks = "- title: New starters leave\n  likelihood: 30%\n"
    text = "risks:\n" + "\n".join("  " + line for line in risks.splitlines()) if wrapped else risks
    folder = write_proposal(workspace, root, risks=text)
    loaded = load_proposal(folder)
    assert loaded.data["risks"][0]["title"] == "New starters leave"
    loc = loaded.source.value(("risks", 0, "likelihood"))
    assert (loc.file.name, loc.line) == ("risks.yaml", 3 if wrapped else 2)


def test_a_section_given_twice_is_an_error(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL, risks="- title: Another\n")
    assert only_error(folder).endswith(
        "risks.yaml:1:1: error: risks: section 'risks' is given twice: here and in proposal.yaml (line 14)"
    )


def test_a_section_file_pointing_outside_the_folder_is_refused(
    workspace: Path, tmp_path: Path
) -> None:
    root, _, _ = MINIMAL.partition("risks:")
    folder = write_proposal(workspace, root)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("- title: x\n")
    os.symlink(outside, folder / "risks.yaml")
    assert only_error(folder).endswith(
        "risks.yaml:1:1: error: this file points outside the proposal folder"
    )


def test_a_misnamed_section_file_is_a_warning(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    (folder / "benefit.yaml").write_text("- title: x\n")
    loaded = load_proposal(folder)
    assert [str(w).split(": ", 1)[1] for w in loaded.warnings] == [
        "warning: this file is not read; did you mean benefits.yaml?"
    ]


# --- limits: what is refused before it is read --------------------------------------------


def test_the_yaml_files_together_hold_at_most_the_byte_limit(workspace: Path) -> None:
    # Each file is under the 2,000,000 bytes of one file; together they are over.
    padding = ("# " + "x" * 98 + "\n") * 11_000  # 1.1 MB of comment
    root, _, risks = MINIMAL.partition("risks:\n")
    folder = write_proposal(workspace, root + padding, risks="risks:\n" + risks + padding)
    assert only_error(folder).endswith(
        "risks.yaml:1:1: error: the proposal's YAML files together are larger than "
        "2,000,000 bytes; this file takes them past it"
    )


def test_a_flood_of_tiny_values_is_refused_at_the_limit(workspace: Path) -> None:
    # 200,000 values in one flow list: refused at the 20,000th, not built and validated.
    folder = write_proposal(workspace, MINIMAL + "objections: [" + "1, " * 200_000 + "1]\n")
    message = only_error(folder)
    assert message.endswith(
        "error: the proposal holds more than 20,000 values (entries, fields and list items); "
        "a proposal needs a few hundred"
    )
    assert ":18:" in message  # located in the list, on its line


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (os.mkfifo, "costs.yaml is a named pipe (FIFO), not a file"),
        (Path.mkdir, "costs.yaml is a folder, not a file"),
        (lambda path: path.symlink_to("nowhere.yaml"), "costs.yaml is a symbolic link to nothing"),
    ],
    ids=["fifo", "folder", "dangling-link"],
)
def test_a_section_file_that_is_no_file_is_named_not_opened(
    workspace: Path, make: object, what: str
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    make(folder / "costs.yaml")  # type: ignore[operator]
    assert only_error(folder).endswith(f"costs.yaml:1:1: error: {what}")


def test_a_socket_is_refused_by_its_type(workspace: Path) -> None:
    import socket

    folder = write_proposal(workspace, MINIMAL)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "costs.yaml"))
        assert only_error(folder).endswith(
            "costs.yaml:1:1: error: costs.yaml is a socket, not a file"
        )


def test_proposal_yaml_as_a_fifo_is_named_and_does_not_hang(workspace: Path) -> None:
    folder = workspace / "proposals" / "p"
    folder.mkdir()
    os.mkfifo(folder / "proposal.yaml")
    assert only_error(folder).endswith(
        "proposal.yaml:1:1: error: proposal.yaml is a named pipe (FIFO), not a file"
    )


def test_a_link_inside_the_folder_to_a_file_inside_is_read(workspace: Path) -> None:
    # A guard, not a fix: links that stay inside the folder are still followed.
    root, _, risks = MINIMAL.partition("risks:\n")
    folder = write_proposal(workspace, root)
    (folder / "drafts").mkdir()
    (folder / "drafts" / "risks-v2.yaml").write_text("risks:\n" + risks, encoding="utf-8")
    (folder / "risks.yaml").symlink_to(Path("drafts") / "risks-v2.yaml")
    assert load_proposal(folder).data["risks"][0]["title"] == "New starters leave"


def test_a_number_of_thousands_of_digits_is_located_not_converted(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL.replace("impact: 10000", "impact: " + "7" * 5000))
    assert only_error(folder).endswith(
        "proposal.yaml:17:13: error: risks[0].impact: this number has 5,000 characters; a "
        "figure needs at most 30 (check the number, or quote it if it is text)"
    )


def test_the_templates_folder_may_not_be_a_link(workspace: Path, tmp_path: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    (folder / "templates").symlink_to(tmp_path)  # out of the folder
    assert only_error(folder).endswith(
        "templates:1:1: error: templates: must be a folder inside the proposal, not a link or a file"
    )


# --- libyaml reads, PyYAML says what is wrong ------------------------------------------------


def _nodes(root: Any) -> list[tuple[Any, ...]]:
    """Every node under `root`, with where it starts and ends."""
    from yaml.nodes import ScalarNode

    found: list[tuple[Any, ...]] = []

    def walk(node: Any) -> None:
        start, end = node.start_mark, node.end_mark
        where = (start.line, start.column, end.line, end.column)
        if isinstance(node, ScalarNode):
            found.append((node.tag, node.value, node.style, node.explicit_tag, *where))
            return
        found.append((type(node).__name__, node.tag, *where))
        for item in node.value:
            for part in item if isinstance(item, tuple) else (item,):
                walk(part)

    walk(root)
    return found


def _read(loader: Any, text: str) -> list[tuple[Any, ...]]:
    """Every node one reader makes of `text`."""
    composing = loader(text)
    composing.path, composing.budget = Path("p.yaml"), Budget()
    try:
        return _nodes(composing.get_single_node())
    finally:
        composing.dispose()


WRITTEN_EVERY_WAY = """\
title: "Café – training, «quoted»"
organization: 'Zürich AG'   # a comment
summary: >
  Folded text, with ünïcödé
  over two lines.
notes: |
  Literal
    indented
tags: [a, "b", c: d]
figures: {value: 1_000, share: .5, flag: no, nothing: ~}
explicit: !!str 5
list:
- one
-   two: 2
    three: [3]
"""
# What libyaml reads otherwise than PyYAML: a tab it takes for a space, an empty value in
# brackets it places later.
READ_OTHERWISE = [
    'a: "tab\tinside quotes"\n',
    "budget: {amount: ,\n  currency:\n    }\n",
    "b: [x, {c: }]\n",
]


@pytest.mark.skipif(yaml_source._FastLoader is None, reason="PyYAML built without libyaml")
def test_libyaml_reads_every_file_as_pyyaml_does_to_the_column() -> None:
    """libyaml reads first (four times as fast); every value, and every line and column a
    message names, is what PyYAML's own reader found."""
    files = [
        *sorted(PROPOSALS.glob("*/*.yaml")),
        *sorted((ROOT.parent / "shared").glob("examples/*/*.yaml")),
    ]
    texts = [WRITTEN_EVERY_WAY, *(f.read_text(encoding="utf-8") for f in files)]
    for text in texts:
        assert _read(yaml_source._FastLoader, text) == _read(yaml_source._Loader, text)


@pytest.mark.parametrize("text", READ_OTHERWISE)
def test_what_libyaml_reads_otherwise_is_read_by_pyyaml(text: str) -> None:
    composed = yaml_source._compose(text, Path("p.yaml"), Budget())
    assert _nodes(composed) == _read(yaml_source._Loader, text)


@pytest.mark.parametrize("line", ["extra: x\ty", "extra: b\t# a comment", "extra:\tb"])
def test_a_tab_libyaml_would_take_for_a_space_is_refused_where_it_is(
    tmp_path: Path, line: str
) -> None:
    folder = write_proposal(tmp_path, MINIMAL)
    proposal = folder / "proposal.yaml"
    text = proposal.read_text(encoding="utf-8")
    proposal.write_text(text + line + "\n", encoding="utf-8")
    where = f"{text.count(chr(10)) + 1}:{line.index(chr(9)) + 1}"
    assert only_error(folder) == (
        f"{proposal}:{where}: error: YAML syntax: a tab character; indent with spaces"
    )
