"""Text from the proposal, made safe for HTML and for Markdown at once.

Proposal text may hold inline Markdown (emphasis, code, links) and nothing else. The site's
pages pass through Python-Markdown, which lets raw HTML through, so escaping for HTML is
not enough: a `*` or `[` must not become markup a second time either. Everything the
author wrote is therefore escaped to entities here, and the little inline Markdown we
allow is rendered here too, with links limited to safe schemes.
"""

from __future__ import annotations

import re

from markupsafe import Markup

# Characters that HTML or Markdown would read as markup, written as numeric entities.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'`*_[]{}#|\\"}
_ESCAPE = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")

_TOKEN = re.compile(
    r"(?P<code>`(?P<ctext>[^`]+)`)"
    r"|(?P<link>\[(?P<ltext>[^\]]+)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))+)\))"
    r"|(?P<strong>\*\*(?=\S)(?P<stext>.+?)(?<=\S)\*\*)"
    r"|(?P<em>\*(?=\S)(?P<etext>.+?)(?<=\S)\*)"
    r"|(?P<uem>(?<!\w)_(?=\S)(?P<utext>.+?)(?<=\S)_(?!\w))"
)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = {"http", "https", "mailto"}


def escape_text(text: object) -> Markup:
    """Plain text, inert in HTML and in Markdown."""
    return Markup(_ESCAPE.sub(lambda m: _ENTITIES[m[0]], str(text)))


def inline_markdown(text: object) -> Markup:
    """The inline Markdown of a proposal's text field as safe HTML.

    Unsafe links (`javascript:`, `data:`...) keep their text and lose their target.
    """
    source = str(text)
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(source):
        out.append(escape_text(source[position : match.start()]))
        out.append(_render_token(match))
        position = match.end()
    out.append(escape_text(source[position:]))
    return Markup("".join(out))


def plain_text(text: object) -> str:
    """The text a reader sees, without Markdown punctuation: for alt texts and titles."""
    return re.sub(
        _TOKEN,
        lambda m: m["ctext"] or m["ltext"] or m["stext"] or m["etext"] or m["utext"],
        str(text),
    )


def _render_token(match: re.Match[str]) -> str:
    if match["code"]:
        return f"<code>{escape_text(match['ctext'])}</code>"
    if match["link"]:
        label = inline_markdown(match["ltext"])
        url = match["url"]
        scheme = _SCHEME.match(url)
        if scheme and scheme[1].lower() not in _SAFE_SCHEMES:
            return str(label)
        return f'<a href="{escape_text(url)}">{label}</a>'
    if match["strong"]:
        return f"<strong>{inline_markdown(match['stext'])}</strong>"
    inner = match["etext"] or match["utext"]
    return f"<em>{inline_markdown(inner)}</em>"
