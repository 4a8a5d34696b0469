"""Author text is inert in HTML and Markdown; the inline Markdown we allow still works."""

from __future__ import annotations

import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from markupsafe import Markup, escape

from buildcase.markup import (
    escape_text,
    inline_markdown,
    link_target,
    nav_label,
    plain_text,
    title_html,
)


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


# --- links: schemes read as browsers read them ------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "\x01javascript:void(document.title='X')",  # browsers strip leading C0 controls
        "\x00\x1f javascript:alert(1)",
        "java\tscript:alert(1)",  # and remove tabs and newlines anywhere
        "\tjava\rscript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "javascript:alert(1)\x01",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
    ],
)
def test_a_link_to_an_unsafe_scheme_keeps_only_its_text(url: str) -> None:
    html = inline_markdown(f"[our policy]({url})")
    assert links_in(html) == [] and "our policy" in html
    assert link_target(url) is None and link_target(url, relative=False) is None


def test_an_entity_written_in_a_link_is_text_to_the_browser() -> None:
    """`&#106;avascript:` is escaped, so the browser reads a literal `&`: a relative path
    named `&#106;avascript:...`, never the scheme (a guard: this was already so)."""
    html = inline_markdown("[a](&#106;avascript:alert(1)) [b](javascript&#58;alert(1))")
    hrefs = [value for _, value in links_in(html)]
    assert hrefs == ["&#106;avascript:alert(1)", "javascript&#58;alert(1)"]


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://example.com/a_(b)", "https://example.com/a_(b)"),
        ("HTTP://example.com", "HTTP://example.com"),
        ("mailto:ann@example.com", "mailto:ann@example.com"),
        ("policy.html#scope", "policy.html#scope"),
        ("\x01https://example.com", "https://example.com"),  # as the browser would go there
        ("https://example.com/\x01x", "https://example.com/%01x"),
    ],
)
def test_a_link_to_a_safe_address_stays_a_link(url: str, href: str) -> None:
    assert links_in(inline_markdown(f"[a]({url})")) == [("a", href)]


def test_a_handout_shows_relative_links_as_text() -> None:
    """A PDF has no site around it: WeasyPrint would resolve `policy.html` against a folder
    of the machine that built it."""
    html = inline_markdown(
        "[p](policy.html) [q](../../etc) [r](//host/x) [s](#x) [t](https://example.com/t)",
        relative_links=False,
    )
    assert html == 'p q r s <a href="https://example.com/t">t</a>'


NETWORK_PATHS = [
    "\\\\fileserver\\training",  # a Windows share: \\fileserver\training
    "//fileserver/training",
    "/\\fileserver\\training",
    "\\/fileserver/training",
    " \x01//fileserver",  # read after the leading controls and spaces are stripped
    "/\t/fileserver",  # and the tabs removed
]


@pytest.mark.parametrize("url", NETWORK_PATHS)
def test_a_network_path_keeps_only_its_text(url: str) -> None:
    """Browsers read a backslash as a slash, and an address without a scheme that begins
    with two of them as one on another host: on a site opened from disk, `file://` to a
    Windows share, which hands the reader's credentials to it."""
    assert link_target(url) is None and link_target(url, relative=False) is None
    if not any(c.isspace() for c in url):  # a Markdown link's address holds no space
        assert inline_markdown(f"[the share]({url})") == "the share"


@pytest.mark.parametrize("url", ["/policy.html", "policy\\scope.html", "./x//y", "\\policy"])
def test_a_path_on_the_same_host_stays_a_link(url: str) -> None:
    assert link_target(url) == url


@pytest.mark.slow
@pytest.mark.pdf
def test_a_link_to_a_share_is_text_on_the_site_and_in_the_handout(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .conftest import MINIMAL, run_cli, write_proposal
    from .test_inert_output import pdf_link_targets

    links = "[the share](\\\\fileserver\\training), [the wiki](//wiki.example/x)"
    summary = f"summary: 'Our files: {links}.'"  # single quotes: YAML keeps the backslashes
    folder = write_proposal(workspace, MINIMAL.replace("summary: Train new starters.", summary))
    code, out, err = run_cli(capsys, "build", str(folder))
    assert code == 0, out + err
    site = workspace / "site" / "p"
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "the share" in page and "the wiki" in page
    hrefs = [href for _, href in links_in(page)]
    assert not [h for h in hrefs if "fileserver" in h or "wiki.example" in h]
    targets = pdf_link_targets(site / "handout.pdf")
    assert not [t for t in targets if "fileserver" in t or "wiki.example" in t]


def links_in(html: str) -> list[tuple[str, str]]:
    """(text, href) of each link, the href decoded as a browser decodes it."""

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[tuple[str, str]] = []
            self.href: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.href = dict(attrs).get("href") or ""
                self.found.append(("", self.href))

        def handle_data(self, data: str) -> None:
            if self.href is not None:
                self.found[-1] = (self.found[-1][0] + data, self.href)

        def handle_endtag(self, tag: str) -> None:
            if tag == "a":
                self.href = None

    parser = Links()
    parser.feed(html)
    return parser.found


# --- titles -------------------------------------------------------------------------------


def test_a_navigation_label_is_text_as_html_and_inside_title() -> None:
    """Material prints a navigation label as HTML, and into `<title>` through `striptags`,
    which decodes entities: the label must stay text in both."""
    label = nav_label("**CFO** </title><img src=x onerror=\"document.title='X'\">")
    assert "<img" not in label and "<strong>" not in label
    in_title = Markup(label).striptags()
    assert "</title" not in in_title and "<img" not in in_title
    assert (
        in_title.replace("\u2060", "") == "CFO </title><img src=x onerror=\"document.title='X'\">"
    )


def test_the_site_name_is_escaped_once_even_where_material_escapes_it() -> None:
    """Material prints the site's name as it is, but through `|e` in the logo's tooltip:
    the name must be escaped text that `|e` leaves alone."""
    name = title_html("Q&A: *the* [plan](https://x)")
    assert unescape(name) == "Q&A: the plan"
    assert escape(name) == name


# --- emphasis: what readers expect, in linear time ------------------------------------------


def test_double_underscores_are_strong_and_nesting_works() -> None:
    assert inline_markdown("__bold__ and **a _b_ `c`**") == (
        "<strong>bold</strong> and <strong>a <em>b</em> <code>c</code></strong>"
    )
    assert plain_text("**[a](https://x)** and _b_") == "a and b"


PATHOLOGICAL = ["*a ", "[a](", "**", "_a ", "`", "``a", "[a", "__a ", "*a_ ", "[["]


@pytest.mark.slow
def test_a_megabyte_of_unclosed_markup_is_read_in_linear_time() -> None:
    """An opener without its closer must not send the parser to the end of the text again
    for each one: the old expression took about 2.6 s for 20 KB of `*a `, growing with the
    square of the length (hours for a megabyte). The timeout only guards against a hang."""
    text = "".join((p * (100_000 // len(p) + 1))[:100_000] for p in PATHOLOGICAL)
    script = (
        "import sys\n"
        "from buildcase.markup import inline_markdown, plain_text\n"
        "text = sys.stdin.read()\n"
        "print(len(inline_markdown(text)), len(plain_text(text)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=text, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    html_length, plain_length = map(int, done.stdout.split())
    assert len(text) == 1_000_000 and plain_length <= len(text) <= html_length


def test_a_line_break_in_a_text_keeps_a_heading_whole() -> None:
    """A title is printed in a Markdown heading line: a line break in it would end the
    heading, push its anchor into a code block and start a list or a heading."""
    title = inline_markdown("Risk\n    indented\n# heading\n- item\r\n> quote")
    page = markdown.markdown(f"## {title} {{ #risk-a }}", extensions=["attr_list"])
    assert page.startswith('<h2 id="risk-a">') and page.count("<") == 2


def test_check_warns_of_the_links_the_pages_drop(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A leading control character hides `javascript:` from a naive check, not from a
    browser: `check` reads the scheme as the pages do."""
    from .conftest import MINIMAL, run_cli, write_proposal

    text = MINIMAL.replace(
        "summary: Train new starters.",
        'summary: "Read [our policy](\\u0001Java\\tScript:alert(1)) or [this](https://x.org)."',
    )
    folder = write_proposal(workspace, text)
    code, _, err = run_cli(capsys, "check", "--strict", str(folder))
    assert code == 1
    assert "summary: a link to 'javascript:' is not allowed; only its text is shown" in err
