"""Text from the proposal, made safe for HTML and for Markdown at once.

Proposal text may hold inline Markdown (emphasis, code, links) and nothing else. The site's
pages pass through Python-Markdown, which lets raw HTML through, so escaping for HTML is
not enough: a `*` or `[` must not become markup a second time either. Everything the
author wrote is therefore escaped to entities here, and the little inline Markdown we
allow is rendered here too, with links limited to safe schemes.

A proposal may come from anyone, so the inline parser takes time linear in the text's
length whatever the text: a regular expression that searches for each opener's closer
took 52 s on 600 details full of unclosed `*a `.

A shared module: validate reads links as browsers read them (`refused_scheme`), compute
measures text as a reader sees it (`plain_text`), render escapes everything here.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from typing import Literal

from markupsafe import Markup

# Characters that HTML or Markdown would read as markup, written as numeric entities; line
# breaks, which would end a Markdown heading and start a code block or a list, as spaces
# (in HTML they are only spaces).
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'`*_[]{}#|\\"} | {"\r": " ", "\n": " "}
_ESCAPE = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")

# Where inline Markdown may start, and what each opener needs right after it.
_OPENER = re.compile(r"[`\[*_]")
_STRONG_OPEN = re.compile(r"\*\*(?=\S)")
_EM_OPEN = re.compile(r"\*(?=\S)")
_UNDERSCORE_OPEN = re.compile(r"(?<!\w)_(?=\S)")
_UNDERSCORE_STRONG_OPEN = re.compile(r"(?<!\w)__(?=\S)")
# Where each closes: positions of the closing delimiter.
_CLOSERS = {
    "code": re.compile("`"),
    "label": re.compile(r"\]"),
    "strong": re.compile(r"(?<=\S)(?=\*\*)"),
    "em": re.compile(r"(?<=\S)\*"),
    "underscore": re.compile(r"(?<=\S)_(?!\w)"),
    "underscore strong": re.compile(r"(?<=\S)__(?!\w)"),
    "newline": re.compile("\n"),
}
# A link's target, after its `(`, up to and with its `)`: one level of parentheses.
_URL = re.compile(r"(?:[^()\s]|\([^()\s]*\))+\)")

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Two slashes, either way round, with no scheme before them: browsers read a backslash as
# a slash, and `//host/x`, `\\host\share`, `/\host` or `\/host` as an address on another
# host, through the page's own scheme: `file:` opened from disk, a Windows share.
_NETWORK_PATH = re.compile(r"[/\\]{2}")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")

# The parsed inline Markdown of a text: ("text", str), ("code", str), ("strong", nodes),
# ("em", nodes) or ("link", nodes, url).
Node = (
    tuple[Literal["text", "code"], str]
    | tuple[Literal["strong", "em"], list["Node"]]
    | tuple[Literal["link"], list["Node"], str]
)


def escape_text(text: object) -> Markup:
    """Plain text, inert in HTML and in Markdown."""
    return Markup(_escaped(str(text)))


def inline_markdown(text: object, *, relative_links: bool = True) -> Markup:
    """The inline Markdown of a proposal's text field as safe HTML.

    Unsafe links (`javascript:`, `data:`...) keep their text and lose their target. Without
    `relative_links` (a handout: a PDF has no site around it) a link must name its scheme;
    `policy.html` is shown as text rather than resolved against a folder of this machine.
    """
    return Markup("".join(_html(node, relative_links) for node in _parse(str(text))))


def plain_text(text: object) -> str:
    """The text a reader sees, without Markdown punctuation: for alt texts and titles."""
    return "".join(_plain(node) for node in _parse(str(text)))


def title_html(text: object) -> Markup:
    """The plain text of a title, escaped: for the site's name, which MkDocs and Material
    print without escaping."""
    return escape_text(plain_text(text))


def nav_label(text: object) -> Markup:
    """A navigation label, which MkDocs makes the page's title too: escaped plain text, as
    Material prints both without escaping.

    Material also prints the page's title into `<title>` through `striptags`, which decodes
    the entities again; a word joiner after each `<` keeps what was a tag from being one
    there (a decoded `</title>` would close the element), and is invisible everywhere.
    """
    return escape_text(plain_text(text).replace("<", "<\u2060"))


def link_target(url: str, *, relative: bool = True) -> str | None:
    """The address a link may point to, or None when it must stay text.

    The address is read as browsers read it (see `_as_browsers_read`). Only http, https and
    mailto are allowed, and, where `relative`, a path with no scheme that stays on the
    page's own host: never a network path such as `//host/x` or `\\\\host\\share`.
    """
    normalised = _as_browsers_read(url)
    scheme = _SCHEME.match(normalised)
    if scheme is None:
        allowed = relative and bool(normalised) and not is_network_path(normalised)
    else:
        allowed = scheme[1].lower() in _SAFE_SCHEMES
    return _CONTROL.sub(lambda m: f"%{ord(m[0]):02X}", normalised) if allowed else None


def refused_scheme(url: str) -> str | None:
    """The scheme of a link that `link_target` refuses for it (`javascript`), read the same
    way, so that `check` warns about exactly the links the pages drop."""
    scheme = _SCHEME.match(_as_browsers_read(url))
    if scheme is None or scheme[1].lower() in _SAFE_SCHEMES:
        return None
    return scheme[1].lower()


def is_network_path(url: str) -> bool:
    """Whether `url` (read as browsers read it) names no scheme and begins with two slashes
    or backslashes: an address on another host, reached through the page's own scheme (a
    site opened from disk would open `file://host/share`, a Windows share)."""
    normalised = _as_browsers_read(url)
    return _SCHEME.match(normalised) is None and _NETWORK_PATH.match(normalised) is not None


def _as_browsers_read(url: str) -> str:
    """`url` as browsers read it before they look at it: C0 controls and spaces stripped
    from both ends, tabs and newlines removed anywhere (`\\x01java\\tscript:` is
    `javascript:`, `/\\t/host` is `//host`)."""
    return _TAB_OR_NEWLINE.sub("", url.strip(_C0_AND_SPACE))


def _escaped(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ENTITIES[m[0]], text)


def _html(node: Node, relative_links: bool) -> str:
    if node[0] == "text":
        return _escaped(node[1])
    if node[0] == "code":
        return f"<code>{_escaped(node[1])}</code>"
    inner = "".join(_html(child, relative_links) for child in node[1])
    if node[0] == "link":
        target = link_target(node[2], relative=relative_links)
        return inner if target is None else f'<a href="{_escaped(target)}">{inner}</a>'
    return f"<{node[0]}>{inner}</{node[0]}>"


def _plain(node: Node) -> str:
    if node[0] == "text" or node[0] == "code":
        return node[1]
    return "".join(_plain(child) for child in node[1])


def _parse(source: str) -> list[Node]:
    return _Scanner(source).nodes(0, len(source))


class _Scanner:
    """The inline Markdown of one text, read left to right in linear time.

    Each opener's closer is the first closing delimiter after it, looked up among positions
    found once for the whole text, never searched for: an opener without a closer costs a
    lookup, not a scan to the end. Since the closer is the first one, an emphasis cannot
    hold another of its kind and a link label cannot hold a link, so nesting is at most
    five deep (a link, then one each of `**`, `__`, `*` and `_`) and each character is read
    a bounded number of times.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.closers = {
            name: [m.start() for m in pattern.finditer(source)]
            for name, pattern in _CLOSERS.items()
        }
        self.url_ends: dict[int, int | None] = {}

    def nodes(self, start: int, end: int) -> list[Node]:
        """The nodes of `source[start:end]`."""
        found: list[Node] = []
        text_from = position = start
        while opener := _OPENER.search(self.source, position, end):
            construct = self.construct(opener.start(), end)
            if construct is None:
                position = opener.start() + 1
                continue
            node, after = construct
            if text_from < opener.start():
                found.append(("text", self.source[text_from : opener.start()]))
            found.append(node)
            text_from = position = after
        if text_from < end:
            found.append(("text", self.source[text_from:end]))
        return found

    def construct(self, i: int, end: int) -> tuple[Node, int] | None:
        """The code span, link or emphasis that starts at `i` and ends by `end`, with the
        position after it; None when the opener there opens nothing."""
        s = self.source
        if s[i] == "`":
            close = self.first("code", i + 1)
            if close is None or close == i + 1 or close >= end:
                return None
            return ("code", s[i + 1 : close]), close + 1
        if s[i] == "[":
            return self.link(i, end)
        if s[i] == "*":
            if _STRONG_OPEN.match(s, i, end) and (strong := self.strong(i, end, "strong")):
                return strong
            return self.emphasis(i, end, "em") if _EM_OPEN.match(s, i, end) else None
        if s[i] == "_":
            if _UNDERSCORE_STRONG_OPEN.match(s, i, end) and (
                strong := self.strong(i, end, "underscore strong")
            ):
                return strong
            return (
                self.emphasis(i, end, "underscore") if _UNDERSCORE_OPEN.match(s, i, end) else None
            )
        return None

    def link(self, i: int, end: int) -> tuple[Node, int] | None:
        """`[label](url)` at `i`: the label ends at the first `]`, `(` follows at once."""
        s = self.source
        close = self.first("label", i + 1)
        if close is None or close == i + 1 or close + 1 >= end or s[close + 1] != "(":
            return None
        if close + 2 not in self.url_ends:  # many `[` may share one `](`: read its URL once
            url = _URL.match(s, close + 2)
            self.url_ends[close + 2] = url.end() if url else None
        after = self.url_ends[close + 2]
        if after is None or after > end:
            return None
        return ("link", self.nodes(i + 1, close), s[close + 2 : after - 1]), after

    def strong(self, i: int, end: int, closer: str) -> tuple[Node, int] | None:
        """`**text**` or `__text__` at `i`, on one line."""
        close = self.first(closer, i + 3)
        if close is None or close + 2 > end or not self.on_one_line(i, close):
            return None
        return ("strong", self.nodes(i + 2, close)), close + 2

    def emphasis(self, i: int, end: int, closer: str) -> tuple[Node, int] | None:
        """`*text*` or `_text_` at `i`, on one line."""
        close = self.first(closer, i + 2)
        if close is None or close >= end or not self.on_one_line(i, close):
            return None
        return ("em", self.nodes(i + 1, close)), close + 1

    def first(self, closer: str, at_least: int) -> int | None:
        """The first position of `closer` at or after `at_least`."""
        positions: Sequence[int] = self.closers[closer]
        index = bisect_left(positions, at_least)
        return positions[index] if index < len(positions) else None

    def on_one_line(self, start: int, end: int) -> bool:
        newline = self.first("newline", start)
        return newline is None or newline >= end
