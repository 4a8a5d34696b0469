"""What a logo is, read from its bytes without decoding it: the image format and pixel
size from a raster file's header, and anything in an SVG that could run, load or draw
without end.

Decoding is what a hostile image attacks (a 9000 x 9000 PNG of a few kilobytes decodes
to 243 MB), so the size is read from the header, as the formats define it, and a file
too large is refused before WeasyPrint, a browser or anything else decodes it. An SVG
is a document, not a picture: opened from the site it runs its scripts, and it can load
other files or repeat a shape a billion times with nested `<use>`. So an SVG logo is
accepted only if it holds none of that.
"""

from __future__ import annotations

import re
import struct
import xml.parsers.expat
from dataclasses import dataclass, field

from buildcase.limits import MAX_SVG_ELEMENTS

# The formats a logo may be in: the suffixes each may carry.
RASTER_SUFFIXES = {
    "png": (".png",),
    "jpeg": (".jpg", ".jpeg"),
    "gif": (".gif",),
    "webp": (".webp",),
}


def raster_format(data: bytes) -> str | None:
    """The raster format the bytes begin as (their "magic number"), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def raster_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """Width and height in pixels, from the header of a file of the format `kind`; for a
    GIF, the largest of its screen and frames. None if the header is cut short or broken."""
    try:
        return _SIZE_READERS[kind](data)
    except (struct.error, IndexError, ValueError):
        return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    # The IHDR chunk comes first: length, "IHDR", width, height (big-endian).
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    # Segments follow the SOI marker; a start-of-frame segment (SOF0-SOF15 but for DHT,
    # JPG and DAC) holds precision, height, width. Its size is that of the whole image.
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        if marker in (0xD9, 0xDA) or length < 2:  # end of image, start of scan: no frame
            return None
        at += 2 + length
    return None


def _gif_size(data: bytes) -> tuple[int, int] | None:
    # The logical screen, then blocks: a frame (0x2C) may be larger than the screen, and
    # decoders grow the canvas to hold it, so every frame counts.
    width, height, flags = struct.unpack("<HHB", data[6:11])
    at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while at < len(data):
        block = data[at]
        if block == 0x3B:  # trailer
            break
        if block == 0x2C:
            _, _, w, h, flags = struct.unpack("<HHHHB", data[at + 1 : at + 10])
            width, height = max(width, w), max(height, h)
            at += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1  # + LZW size
            at = _skip_sub_blocks(data, at)
        elif block == 0x21:  # an extension: label, then sub-blocks
            at = _skip_sub_blocks(data, at + 2)
        else:
            return None
    return width, height


def _skip_sub_blocks(data: bytes, at: int) -> int:
    while at < len(data) and data[at] != 0:
        at += data[at] + 1
    return at + 1


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk, body = data[12:16], data[20:]
    if chunk == b"VP8X":  # extended: canvas width - 1 and height - 1, 24 bits each
        width = int.from_bytes(body[4:7], "little") + 1
        height = int.from_bytes(body[7:10], "little") + 1
        return width, height
    if chunk == b"VP8 ":  # lossy: frame tag, start code, then 14-bit width and height
        if body[3:6] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":  # lossless: signature, then 14 bits each of width - 1, height - 1
        if body[0] != 0x2F:
            return None
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


_SIZE_READERS = {"png": _png_size, "jpeg": _jpeg_size, "gif": _gif_size, "webp": _webp_size}


# --- SVG ------------------------------------------------------------------------------------

SVG = "http://www.w3.org/2000/svg"
XHTML = "http://www.w3.org/1999/xhtml"

# Elements that run code, embed a document or wait for events.
_UNSAFE_ELEMENTS = {
    "script": "a <script> element",
    "foreignobject": "a <foreignObject> element",
    "iframe": "an <iframe> element",
    "embed": "an <embed> element",
    "object": "an <object> element",
    "handler": "a <handler> element",
    "listener": "a <listener> element",
}
_ANIMATIONS = {"set", "animate", "animatemotion", "animatetransform", "animatecolor"}

# --- CSS, as a browser reads it -------------------------------------------------------------
# Every way CSS has to load a file or run code, looked for once the CSS is decoded (see
# `css_fetch`): url() but for a reference inside the file (`url(#gradient)`); src(),
# image() and image-set(), whose strings are addresses; @import; the old browsers'
# expression(), behavior and -moz-binding; and javascript: anywhere. A function is its
# name and `(` with nothing between (`image (logo)` is words, not a function).
_CSS_FETCHES = re.compile(
    r"""url\((?!\s*['"]?\s*\#)"""
    r"|(?:src|image|image-set|-webkit-image-set|expression)\("
    r"|@import|(?:behavior|-moz-binding)\s*:|javascript:",
    re.IGNORECASE,
)
# A CSS escape (CSS Syntax 4.3.7): a backslash and 1 to 6 hex digits, with one white space
# after them swallowed; a backslash and a line break (a line continuation, in a string);
# or a backslash and any other character, which stands for that character.
_CSS_ESCAPE = re.compile(
    r"\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\r\n\f])?|(\r\n|[\r\n\f])|(.)|\Z)", re.S
)
# A comment, or a string (where `/*` is text), or an escaped character (which starts
# neither): read in one pass from the left, as the CSS tokenizer reads them.
_CSS_COMMENT_OR_STRING = re.compile(
    r"""/\*.*?(?:\*/|\Z)|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|\\.""", re.S
)
MAX_CODE_POINT = 0x10FFFF


def css_fetch(css: str) -> str | None:
    """What in `css` would load a file or run code ("url()", "@import"...), or None.

    The CSS is read as a browser reads it: its comments taken out, then its escapes
    decoded, so that `u\\72l(`, `\\75 rl(` and `@\\69mport` are found as the `url(` and
    `@import` they are. (In the other order, an escaped `/*` would start a comment that
    hides what follows.)"""
    found = _CSS_FETCHES.search(_css_unescaped(_css_without_comments(css)))
    if found is None:
        return None
    what = re.sub(r"\s", "", found[0]).lower()
    return what + ")" if what.endswith("(") else what


def _css_without_comments(css: str) -> str:
    """`css` with its comments taken out, and nothing put in their place (`u/**/rl(` is
    not a url( to a browser; read as one, it is refused, which is the safe side). A `/*`
    in a string is text, and an escaped character starts no comment: both are kept."""

    def kept(match: re.Match[str]) -> str:
        return "" if match[0].startswith("/*") else match[0]

    return _CSS_COMMENT_OR_STRING.sub(kept, css)


def _css_unescaped(css: str) -> str:
    """`css` with every escape replaced by the character it stands for."""

    def character(match: re.Match[str]) -> str:
        digits, line_break, other = match.groups()
        if digits:
            code = int(digits, 16)
            surrogate = 0xD800 <= code <= 0xDFFF
            return "\ufffd" if code == 0 or surrogate or code > MAX_CODE_POINT else chr(code)
        if line_break:
            return ""
        return other if other is not None else "\ufffd"  # a backslash at the very end

    return _CSS_ESCAPE.sub(character, css)


@dataclass(frozen=True)
class Found:
    """Something an SVG logo may not hold, and where: 1-based line and column. `unsafe`
    when it could run code or load a file (rather than be too big or not an SVG)."""

    line: int
    column: int
    what: str
    unsafe: bool = True


class _Refused(Exception):
    def __init__(self, what: str, unsafe: bool = True, at: tuple[int, int] | None = None):
        self.what = what
        self.unsafe = unsafe
        self.at = at


@dataclass
class _Element:
    """An element as far as expansion goes: its children and the id its <use> draws."""

    tag: str
    at: tuple[int, int]  # line and column where it starts
    children: list[int] = field(default_factory=list)
    uses: str | None = None


def svg_problem(data: bytes) -> Found | None:
    """The first thing in the SVG that is not allowed in a logo, or None if it is safe:
    a script, an event handler, a foreignObject, a link or URL to anything outside the
    file, CSS that loads a file (in a <style>, a style="" or a presentation attribute,
    however it is escaped: see `css_fetch`), a DOCTYPE (which can declare entities), a
    processing instruction (a stylesheet), HTML, or more than MAX_SVG_ELEMENTS elements
    once every `<use>` is expanded (nested `<use>` repeat a shape exponentially)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    checker = _SvgChecker(parser)
    parser.StartDoctypeDeclHandler = checker.doctype
    parser.EntityDeclHandler = checker.entity
    parser.ProcessingInstructionHandler = checker.instruction
    parser.StartElementHandler = checker.start
    parser.EndElementHandler = checker.end
    parser.CharacterDataHandler = checker.text
    parser.buffer_text = True  # a <style>'s text in one piece, not cut at each line
    try:
        parser.Parse(data, True)
        if not checker.elements:
            raise _Refused("no <svg> element: it is not an SVG image", unsafe=False)
        checker.check_expansion()
    except _Refused as e:
        line, column = e.at or (parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        return Found(line, column, e.what, e.unsafe)
    except RecursionError:
        what = "elements nested, or <use> elements chained, too deeply"
        return Found(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, what, False)
    except xml.parsers.expat.ExpatError as e:
        what = f"XML that is not well-formed ({xml.parsers.expat.ErrorString(e.code)})"
        return Found(e.lineno, e.offset + 1, what, False)
    return None


class _SvgChecker:
    """expat's handlers: each refuses what it meets as soon as it meets it."""

    def __init__(self, parser: xml.parsers.expat.XMLParserType) -> None:
        self.parser = parser
        self.elements: list[_Element] = []
        self.ids: dict[str, int] = {}
        self.open: list[int] = []
        self.in_style = 0
        self.style: list[str] = []  # the text of the <style> being read, so far
        self.style_at = (1, 1)  # where it starts

    def doctype(self, name: str, system: str | None, public: str | None, has_subset: bool) -> None:
        # Illustrator writes `<!DOCTYPE svg PUBLIC ...>`: harmless, as nothing fetches it.
        if has_subset:
            raise _Refused("a DOCTYPE that declares entities")

    def entity(self, *_: object) -> None:
        raise _Refused("an entity declaration")

    def instruction(self, target: str, _: str) -> None:
        if target.lower() == "xml-stylesheet":
            raise _Refused("a stylesheet instruction <?xml-stylesheet?>")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        position = (self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1)
        try:
            self.check_element(name, attributes, position)
        except _Refused as e:
            e.at = e.at or position  # where the element starts, not where expat stopped
            raise

    def check_element(
        self, name: str, attributes: dict[str, str], position: tuple[int, int]
    ) -> None:
        namespace, _, local = name.rpartition(" ")
        tag = local.lower()
        if not self.elements and (namespace, local) != (SVG, "svg"):
            raise _Refused(f"<{local}> where an SVG image starts with <svg>", unsafe=False)
        if tag in _UNSAFE_ELEMENTS:
            raise _Refused(_UNSAFE_ELEMENTS[tag])
        if namespace == XHTML:
            raise _Refused(f"an HTML element <{local}>")
        if len(self.elements) >= MAX_SVG_ELEMENTS:
            raise _Refused(f"more than {MAX_SVG_ELEMENTS:,} elements", unsafe=False)
        element = _Element(local, position)
        for key, value in attributes.items():
            attribute = key.rpartition(" ")[2]
            self.check_attribute(tag, attribute.lower(), value)
            if attribute == "id":
                self.ids[value] = len(self.elements)
            if tag == "use" and attribute == "href":
                element.uses = value.strip()[1:]
        if self.open:
            self.elements[self.open[-1]].children.append(len(self.elements))
        self.open.append(len(self.elements))
        self.elements.append(element)
        if tag == "style":
            self.style_at = self.style_at if self.in_style else position
            self.in_style += 1

    def check_attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            raise _Refused(f"an event handler attribute {name}=")
        if name == "href" and not value.strip().startswith("#"):
            raise _Refused(f"a link to {_short(value)}, outside the file")
        if tag in _ANIMATIONS and name == "attributename":
            target = value.strip().lower().rpartition(":")[2]
            if target == "href" or target.startswith("on"):
                raise _Refused(f"an animation that changes {value.strip()}")
        if "javascript:" in re.sub(r"[\x00-\x20]", "", value.lower()):
            raise _Refused(f"javascript: in the attribute {name}=")
        # style="..." and the presentation attributes (fill="url(...)") are CSS.
        if css_fetch(value):
            raise _Refused(f"a url() or CSS that loads a file, in the attribute {name}=")

    def end(self, name: str) -> None:
        self.open.pop()
        if name.rpartition(" ")[2].lower() == "style":
            self.in_style -= 1
            if not self.in_style:
                self.check_style("".join(self.style))
                self.style.clear()

    def text(self, content: str) -> None:
        if self.in_style:
            self.style.append(content)

    def check_style(self, css: str) -> None:
        """A <style> is read whole, as the browser reads its text: a comment or a CDATA
        section may cut it in pieces (`u<!---->rl(`) that are CSS only together."""
        if fetch := css_fetch(css):
            raise _Refused(f"a <style> that loads a file ({fetch})", at=self.style_at)

    def check_expansion(self) -> None:
        """Refuse a drawing that `<use>` makes larger than MAX_SVG_ELEMENTS, or endless."""
        sizes: dict[int, int] = {}
        visiting: set[int] = set()

        def size(index: int) -> int:
            if index in sizes:
                return sizes[index]
            if index in visiting:
                raise _Refused(
                    "a <use> that draws itself", unsafe=False, at=self.elements[index].at
                )
            visiting.add(index)
            element = self.elements[index]
            total = 1 + sum(size(child) for child in element.children)
            if element.uses is not None and element.uses in self.ids:
                total += size(self.ids[element.uses])
            visiting.discard(index)
            if total > MAX_SVG_ELEMENTS:  # the first, and so the innermost, to pass it
                raise _Refused(
                    f"a <{element.tag}> that draws more than {MAX_SVG_ELEMENTS:,} elements "
                    "once the <use> elements in it are expanded",
                    unsafe=False,
                    at=element.at,
                )
            sizes[index] = total
            return total

        size(0)


def _short(text: str, limit: int = 40) -> str:
    text = text.strip()
    return f"'{text[:limit]}...'" if len(text) > limit else f"'{text}'"
