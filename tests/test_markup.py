"""Author text is inert in HTML and Markdown; the inline Markdown we allow still works."""

from __future__ import annotations

import markdown

from buildcase.markup import escape_text, inline_markdown, plain_text


def test_raw_html_is_escaped() -> None:
    html = inline_markdown('<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert "<script" not in html and "<img" not in html
    assert html.startswith("&#60;script&#62;")


def test_emphasis_code_and_safe_links() -> None:
    html = inline_markdown("*very* **bold** `a_b` [site](https://example.com/x_y)")
    assert html == (
        "<em>very</em> <strong>bold</strong> <code>a&#95;b</code> "
        '<a href="https://example.com/x&#95;y">site</a>'
    )


def test_unsafe_links_keep_their_text_only() -> None:
    for url in ("javascript:alert(1)", "data:text/html;base64,xx", "vbscript:x"):
        html = inline_markdown(f"[click]({url})")
        assert html == "click", url


def test_snake_case_is_not_emphasis() -> None:
    assert "<em>" not in inline_markdown("use snake_case_names here")


def test_escaped_text_survives_a_second_markdown_pass_unchanged() -> None:
    text = "A *star*, a [link](x), `code` and {: .attr} # and <b>tag</b>"
    once = escape_text(text)
    rendered = markdown.markdown(f"<p>{once}</p>")
    assert "<em>" not in rendered and "<a " not in rendered and "<b>" not in rendered
    assert plain_text("*a* and [b](https://x)") == "a and b"
