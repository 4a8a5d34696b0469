"""An SVG logo's CSS is read as a browser reads it, comments out and escapes decoded: a
url(), an @import or an image-set() written with CSS escapes is found and refused, in a
<style>, a style="" or a presentation attribute; a reference inside the file stays
(README, "It stays inert"). The command-line cases are in tests/bad/logo-svg-*."""

from __future__ import annotations

import pytest

from buildcase.load.images import css_fetch, svg_problem

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">{}</svg>'


@pytest.mark.parametrize(
    ("css", "found"),
    [
        ("fill: u\\72l(https://example.com/t.svg#g)", "url()"),  # \72 is r
        ("fill: \\75 rl(https://example.com/t.svg#g)", "url()"),  # the space ends the escape
        ("fill: \\000075rl(https://x)", "url()"),  # six digits, no space needed
        ("fill: \\u\\r\\l(https://x)", "url()"),  # a backslash and a letter is the letter
        ("fill: URL(https://x)", "url()"),
        ("fill: u/**/rl(https://x)", "url()"),  # not a url( to a browser: refused all the same
        ('@\\69mport "https://example.com/t.css";', "@import"),
        ("@\\49 MPORT url(x);", "@import"),
        ("mask: image-set('https://example.com/t.png' 1x)", "image-set()"),
        ("mask: \\69mage-set('t.png' 1x)", "image-set()"),
        ("mask: -webkit-image-set(url(t.png) 1x)", "-webkit-image-set()"),
        ("mask: image('t.png')", "image()"),
        ("mask: src('t.png')", "src()"),
        ("behavior: url(x.htc)", "behavior:"),
        ("width: expression(alert(1))", "expression()"),
        # A `/*` in a string is text: it hides nothing that follows the string.
        ('a { content: "/*" } b { fill: url(https://x) } c { content: "*/" }', "url()"),
        # An escaped `/` starts no comment.
        ("b { fill: \\/* url(https://x) */ }", "url()"),
        # An escape that decodes to `/*` starts no comment either: comments go first.
        ("\\2f\\2a { } b { fill: url(https://x) } \\2a\\2f", "url()"),
    ],
)
def test_css_that_loads_a_file_is_found_however_it_is_written(css: str, found: str) -> None:
    assert css_fetch(css) == found


@pytest.mark.parametrize(
    "css",
    [
        "fill: url(#gradient)",
        "fill: url( '#gradient' )",
        "fill: \\75 rl(\\23 gradient)",  # url(#gradient), escaped: still inside the file
        "rect { fill: #0b6e4f; stroke: rgb(0 0 0 / 50%) } /* a comment */",
        "font-family: 'Inter', sans-serif",
    ],
)
def test_css_that_loads_nothing_is_left_alone(css: str) -> None:
    assert css_fetch(css) is None


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("<style>rect { fill: u\\72l(https://x) }</style>", "a <style> that loads a file (url())"),
        ("<style>@\\69mport 'https://x';</style>", "a <style> that loads a file (@import)"),
        # The browser reads a <style> whole: a comment or a CDATA section cuts no word.
        (
            "<style>rect { fill: u<!-- -->rl(https://x) }</style>",
            "a <style> that loads a file (url())",
        ),
        (
            "<style><![CDATA[@imp]]>ort 'https://x';</style>",
            "a <style> that loads a file (@import)",
        ),
        (
            "<rect style=\"mask: image-set('https://x/t.png' 1x)\"/>",
            "a url() or CSS that loads a file, in the attribute style=",
        ),
        (
            '<rect fill="\\75 rl(https://x/t.svg#g)"/>',
            "a url() or CSS that loads a file, in the attribute fill=",
        ),
    ],
)
def test_an_svg_logo_with_css_that_loads_a_file_is_refused(body: str, found: str) -> None:
    problem = svg_problem(SVG.format(body).encode())
    assert problem is not None and problem.unsafe
    assert problem.what == found


def test_a_style_is_located_where_it_starts() -> None:
    svg = SVG.format("\n  <style>\n    rect { fill: u\\72l(https://x) }\n  </style>\n")
    problem = svg_problem(svg.encode())
    assert problem is not None and (problem.line, problem.column) == (2, 3)


def test_an_svg_logo_drawing_with_references_inside_it_is_accepted() -> None:
    body = (
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#0b6e4f"/></linearGradient></defs>'
        "<style>.a { fill: url(#g) } /* u\\72l( in a comment */</style>"
        '<rect class="a" width="10" height="10" style="stroke: url(#g)" fill="url(#g)"'
        ' aria-label="Our image (logo)"/>'
    )
    assert svg_problem(SVG.format(body).encode()) is None
