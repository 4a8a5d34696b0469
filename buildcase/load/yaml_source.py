"""YAML into plain data, remembering where every value was written (`SourceMap`).

PyYAML reads YAML 1.1, where `no` is False, `012` is 10 and `3:30` is 210, while the
editors our authors use check YAML 1.2. So scalars are resolved here by the YAML 1.2 core
rules, never by PyYAML's: dates stay text for the validator, and no tag can build a Python
object. Aliases are refused outright (an alias bomb of a few hundred bytes expands to
gigabytes), and so are duplicate keys, which PyYAML would let the last one win.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import BaseConstructor
from yaml.events import AliasEvent, Event, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from buildcase.errors import Location, Problem, ProposalInvalid
from buildcase.limits import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NUMBER_CHARS,
    MAX_VALUES,
    MAX_YAML_BYTES,
)
from buildcase.load.files import Unreadable, decode_text, read_inside
from buildcase.load.yaml_problems import reader_problem, yaml_problem

Path_ = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each value of the loaded data was written: field path -> location."""

    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)

    def value(self, path: Path_) -> Location:
        """The location of the value at `path`, or of its nearest written ancestor."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        raise KeyError(path)

    def key(self, path: Path_) -> Location:
        """The location of the key naming `path`, falling back to its value."""
        return self.keys.get(path) or self.value(path)


EMPTY = object()  # a file that holds no document: nothing, or only comments


@dataclass
class Budget:
    """What is left for the rest of a proposal's YAML files: bytes and values, counted
    across all of them, so fourteen section files cannot hold fourteen times the limit.

    `texts` keeps what each file held, for messages about an empty one.
    """

    bytes_left: int = MAX_YAML_BYTES
    values_left: int = MAX_VALUES
    spent: bool = False  # a limit was passed: the remaining files are not read
    texts: dict[Path, str] = field(default_factory=dict)


def not_a_mapping(path: Path, data: Any) -> Problem:
    kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
    return Problem(Location(path), "", f"expected a mapping of sections (key: value), found {kind}")


def load_file(
    folder: Path,
    path: Path,
    prefix: Path_,
    source: SourceMap,
    problems: list[Problem],
    budget: Budget,
) -> Any:
    """Parse one YAML file into plain data, recording locations under `prefix`; EMPTY
    for a file that holds no document, None where it could not be read."""
    text = ""
    try:
        text = _read_yaml_text(folder, path, budget)
        budget.texts[path] = text
        node = _compose(text, path, budget)
        if node is None:
            return EMPTY
        return _Walker(path, source).value(node, prefix, depth=0)
    except _LoadError as e:
        problems.append(e.problem)
    except ProposalInvalid as e:
        problems.extend(e.problems)
    except yaml.reader.ReaderError as e:
        problems.append(reader_problem(path, text, e))
    except yaml.MarkedYAMLError as e:
        problems.append(yaml_problem(path, e))
    except yaml.YAMLError as e:
        problems.append(Problem(Location(path), "", f"YAML syntax: {e}"))
    except RecursionError:
        problems.append(Problem(Location(path), "", "the document is nested too deeply"))
    return None


def _read_yaml_text(folder: Path, path: Path, budget: Budget) -> str:
    """A YAML file's text, within the limits of one file and of the proposal's files."""
    try:
        raw = read_inside(folder, path, MAX_FILE_BYTES)
    except Unreadable as e:
        # The first two say what they always said; the others name the file.
        subject = {"outside": "this file", "size": "the file"}.get(e.kind, path.name)
        raise _LoadError(Problem(Location(path), "", f"{subject} {e.reason}")) from None
    if len(raw) > budget.bytes_left:
        budget.spent = True
        raise _LoadError(
            Problem(
                Location(path),
                "",
                f"the proposal's YAML files together are larger than {MAX_YAML_BYTES:,} "
                "bytes; this file takes them past it",
            )
        )
    budget.bytes_left -= len(raw)
    return decode_text(path, raw)


class _LoadError(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _compose(text: str, path: Path, budget: Budget) -> Node | None:
    """The file's one document as nodes, read by libyaml where PyYAML has it (four times
    as fast as PyYAML's own reader: an example's four files in 5 ms against 20, which
    `serve` reads again at every save) and composed here. PyYAML's own reader reads what
    libyaml would read otherwise, so that a file means, and is told wrong, as it always was:
    a file with a tab (libyaml takes a tab for a space where PyYAML refuses it), a file
    libyaml refuses (PyYAML's complaint, at its line, is what the author is told), and a
    file with an empty value inside brackets (`{amount: }`, which libyaml places a column
    or a line later)."""
    values_left = budget.values_left
    if _FastLoader is not None and "\t" not in text:
        try:
            node = _composed(_FastLoader(text), path, budget)
            if node is None or not _empty_in_brackets(node):
                return node
        except yaml.YAMLError:
            pass
        budget.values_left = values_left  # counted again, as read again
    return _composed(_Loader(text), path, budget)


def _empty_in_brackets(node: Node, in_brackets: bool = False) -> bool:
    """Whether `node` holds an empty plain value inside a flow collection (`[a, ]`)."""
    if isinstance(node, ScalarNode):
        return in_brackets and node.value == "" and not node.style
    if isinstance(node, SequenceNode):
        inside = in_brackets or bool(node.flow_style)
        return any(_empty_in_brackets(item, inside) for item in node.value)
    if isinstance(node, MappingNode):
        inside = in_brackets or bool(node.flow_style)
        return any(_empty_in_brackets(part, inside) for pair in node.value for part in pair)
    return False


def _composed(loader: _Composing, path: Path, budget: Budget) -> Node | None:
    loader.path = path
    loader.budget = budget
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


class _Composing(Composer):
    """Composing that resolves no scalar by itself, refuses aliases, and counts the values
    it makes against the proposal's budget as it goes, so that a file of a million tiny
    values is refused after the first few thousand, not after building them all. Events
    come from PyYAML's reader (`_Loader`) or libyaml's (`_FastLoader`)."""

    path: Path
    budget: Budget

    depth = 0

    if TYPE_CHECKING:  # the reader's, from the class each loader adds

        def check_event(self, *choices: Any) -> bool: ...
        def peek_event(self) -> Event: ...
        def dispose(self) -> None: ...

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self.budget.values_left -= 1
        if self.budget.values_left < 0:
            self.budget.spent = True
            raise _LoadError(
                Problem(
                    self._here(),
                    "",
                    f"the proposal holds more than {MAX_VALUES:,} values (entries, fields "
                    "and list items); a proposal needs a few hundred",
                )
            )
        if self.depth >= MAX_DEPTH:
            raise _LoadError(
                Problem(
                    self._here(),
                    "",
                    f"the document is nested more than {MAX_DEPTH} levels deep; "
                    "a proposal needs no more than a few",
                )
            )
        self.depth += 1
        try:
            return self._compose_node(parent, index)
        finally:
            self.depth -= 1

    def _compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            raise _LoadError(
                Problem(
                    self._here(),
                    "",
                    "YAML aliases (*name) are not allowed; write the value out",
                )
            )
        return super().compose_node(parent, index)

    def compose_scalar_node(self, anchor: dict[Any, Node]) -> ScalarNode:
        event = self._next_event()
        explicit_tag = isinstance(event, ScalarEvent) and event.tag not in (None, "!")
        return _Scalar(super().compose_scalar_node(anchor), explicit_tag)

    def _next_event(self) -> Event:
        """The event about to be composed, left in place."""
        return self.peek_event()

    def _here(self) -> Location:
        """Where the event about to be composed starts."""
        mark = self._next_event().start_mark
        assert mark is not None, "PyYAML marks every event it parses"
        return Location(self.path, mark.line + 1, mark.column + 1)


class _Loader(_Composing, yaml.BaseLoader):
    """PyYAML's own reader, in Python: it says best what is wrong with a file."""


_FastLoader: Callable[[str], _Composing] | None = None
if yaml.__with_libyaml__:  # PyYAML's wheels have libyaml; a build from source may not
    from yaml._yaml import CParser

    class _CLoader(_Composing, CParser, BaseConstructor, BaseResolver):
        """libyaml's reader (PyYAML's C extension), composed by `_Composing`."""

        def __init__(self, text: str):
            CParser.__init__(self, text)
            Composer.__init__(self)
            BaseConstructor.__init__(self)
            BaseResolver.__init__(self)

    _FastLoader = _CLoader


class _Scalar(ScalarNode):
    """A scalar that remembers whether the file wrote its tag (`!!str 5`), which PyYAML's
    own node forgets once the tag is resolved."""

    def __init__(self, node: ScalarNode, explicit_tag: bool):
        # A plain scalar's style is None from PyYAML's reader, "" from libyaml's.
        super().__init__(node.tag, node.value, node.start_mark, node.end_mark, node.style or None)
        self.explicit_tag = explicit_tag


_STD = "tag:yaml.org,2002:"
# Halves of a character in UTF-16, which only a "\\u" escape in quotes can make: any, and
# one without its other half.
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONE_SURROGATE = re.compile(
    "[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]"
)
_INT = re.compile(r"[-+]?[0-9][0-9_]*")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL = {
    "~": None, "null": None, "Null": None, "NULL": None, "": None,
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    ".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".Inf": math.inf,
    ".INF": math.inf, ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
}  # fmt: skip


def plain_scalar(text: str) -> Any:
    """Resolve an unquoted scalar by the YAML 1.2 core schema (with `_` in numbers)."""
    if text in _SPECIAL:
        return _SPECIAL[text]
    if _INT.fullmatch(text):
        return int(text.replace("_", ""))
    if _FLOAT.fullmatch(text):
        return float(text.replace("_", ""))
    return text


class _Walker:
    """Turns composed nodes into plain data and fills the source map."""

    def __init__(self, path: Path, source: SourceMap):
        self.path = path
        self.source = source

    def location(self, node: Node) -> Location:
        return Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def value(self, node: Node, path: Path_, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _LoadError(Problem(self.location(node), "", "the document is nested too deeply"))
        self.source.values[path] = self.location(node)
        if isinstance(node, ScalarNode):
            node.value = self.whole_characters(node, path)
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            self.refuse_tag(node, "seq", path)
            return [self.value(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            self.refuse_tag(node, "map", path)
            return self.mapping(node, path, depth)
        raise _LoadError(Problem(self.location(node), "", "unsupported YAML node"))

    def whole_characters(self, node: ScalarNode, path: Path_) -> str:
        """The scalar's text, with each pair of `\\u` escapes that spells one character in
        UTF-16 (JSON's way to write an emoji: `"\\ud83d\\ude00"`) joined into it; an escape
        that is half of a pair alone is refused where it is written: no page, PDF or
        terminal can hold it."""
        text: str = node.value
        if not _SURROGATE.search(text):
            return text
        lone = _LONE_SURROGATE.search(text)
        if lone:
            escape = lone.group().encode("unicode_escape").decode("ascii")
            raise _LoadError(
                Problem(
                    self.location(node),
                    field_path(path),
                    f"the escape {escape} is half of a character (a lone UTF-16 "
                    "surrogate), which no page or PDF can hold; write the character itself",
                )
            )
        return text.encode("utf-16", "surrogatepass").decode("utf-16")

    def refuse_tag(self, node: Node, kind: str, path: Path_ = ()) -> None:
        if node.tag != _STD + kind:
            raise self.tag_error(node, path)

    def tag_error(self, node: Node, path: Path_) -> _LoadError:
        written = node.tag.replace(_STD, "!!", 1)
        return _LoadError(
            Problem(
                self.location(node),
                field_path(path),
                f"YAML tags such as {written} are not allowed; write the plain value",
            )
        )

    def scalar(self, node: ScalarNode, path: Path_) -> Any:
        if not (isinstance(node, _Scalar) and node.explicit_tag):
            return self.plain(node, path) if node.style is None else node.value
        tag = node.tag.removeprefix(_STD)
        if tag == "str":
            return node.value
        if tag in ("int", "float", "bool", "null"):
            return self.plain(node, path)
        raise self.tag_error(node, path)

    def plain(self, node: ScalarNode, path: Path_) -> Any:
        """A plain scalar's value; a number too long to be a figure is refused, before
        Python is asked to convert its thousands of digits."""
        text = node.value
        if len(text) > MAX_NUMBER_CHARS and (_INT.fullmatch(text) or _FLOAT.fullmatch(text)):
            raise _LoadError(
                Problem(
                    self.location(node),
                    field_path(path),
                    f"this number has {len(text):,} characters; a figure needs at most "
                    f"{MAX_NUMBER_CHARS} (check the number, or quote it if it is text)",
                )
            )
        return plain_scalar(text)

    def mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _LoadError(Problem(self.location(key_node), "", "a key must be a plain name"))
            key = self.whole_characters(key_node, path)  # named by its mapping, not itself
            here = (*path, key)
            if key in result:
                first = self.source.keys[here]
                raise _LoadError(
                    Problem(
                        self.location(key_node),
                        _dotted(here),
                        f"duplicate key; it is already given on line {first.line}",
                    )
                )
            self.source.keys[here] = self.location(key_node)
            result[key] = self.value(value_node, here, depth + 1)
        return result


def _dotted(path: Path_) -> str:
    return field_path(path)


def field_path(path: Path_) -> str:
    """`('benefits', 0, 'goals')` -> `benefits[0].goals`, the way errors name fields."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
