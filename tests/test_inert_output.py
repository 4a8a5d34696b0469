"""Whatever the author of a proposal writes stays text: on every page of the site, in its
navigation and page titles, in the site's name, and in every handout (README, "What
buildcase guarantees": it stays inert).

Each document is parsed as HTML, as a browser would, never grepped: no `<script>`, no event
handler, no link or source whose scheme (read as browsers read it) is not http, https or
mailto, no style and no element or attribute that the proposal's text brought in. Then
the site is opened in Chromium, with a payload in every text field that would set the
page's title if it ran anywhere.
"""

from __future__ import annotations

import copy
import functools
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import pypdf
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from buildcase.commands.build import build
from buildcase.compute import build_case
from buildcase.engines.mkdocs import REQUIRED_EXTENSIONS
from buildcase.load import load_proposal
from buildcase.markup import title_html
from buildcase.models.schema import proposal_schema
from buildcase.render.case import render_case
from buildcase.validate import validate_proposal
from buildcase.workspace import template_dirs

from .browser.helpers import Guard
from .conftest import MINIMAL, REFERENCE, ROOT, write_proposal

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # fail with how to install it, never skip
    expect = sync_playwright = None  # type: ignore[assignment]

REFERENCE_DATA = yaml.safe_load((REFERENCE / "proposal.yaml").read_text(encoding="utf-8"))
SAFE_SCHEMES = {"http", "https", "mailto"}
# Attributes a browser follows or loads.
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "srcset", "poster",
                  "background", "data", "ping", "cite", "manifest"}  # fmt: skip
# Elements our own inline Markdown makes from a proposal's text.
INLINE = {("a", "href"), ("em", ""), ("strong", ""), ("code", "")}
# Text fields holding a file name, a column, a language or an address, not prose.
NOT_PROSE = {"data", "column", "logo", "language", "email"}


# --- where the author's text goes -------------------------------------------------------


def text_paths(
    data: Any, node: dict[str, Any], path: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    """The paths of every text field in `data`, read from the proposal's JSON Schema: a
    text field added to the format is covered without changing this test."""
    node = _resolved(node)
    if isinstance(data, dict):
        for key, value in data.items():
            schema = node.get("properties", {}).get(key)
            if schema is not None and key not in NOT_PROSE:
                yield from text_paths(value, schema, (*path, key))
    elif isinstance(data, list):
        items = node.get("items", node.get("then", {}).get("items", {}))
        for i, value in enumerate(data):
            yield from text_paths(value, items, (*path, i))
    elif node.get("if") == {"type": "array"}:  # one entry written for a list of one
        yield from text_paths(data, node["else"], path)
    elif node.get("type") == ["string", "number"] and "maxLength" in node:
        yield path


@functools.lru_cache(maxsize=1)
def _definitions() -> dict[str, Any]:
    """The schema's definitions, made once: `text_paths` runs at import (collection) time."""
    return proposal_schema()["$defs"]


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    """The schema a value follows, through references and "this, or nothing"."""
    definitions = _definitions()
    while "$ref" in node or "anyOf" in node or node.get("if") == {"type": "null"}:
        if "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in node:
            node = next((n for n in node["anyOf"] if n.get("type") != "null"), {})
        else:
            node = node["else"]
    return node


TEXT_PATHS = list(text_paths(REFERENCE_DATA, proposal_schema()))


def with_texts(texts: list[str]) -> dict[str, Any]:
    """The reference proposal with its text fields, in order, replaced by `texts`."""
    data = copy.deepcopy(REFERENCE_DATA)
    for path, text in zip(TEXT_PATHS, texts, strict=True):
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = text
    return data


# --- reading HTML as a browser does ---------------------------------------------------


def browser_scheme(url: str) -> str | None:
    """The scheme a browser finds in `url` (lower case), None for a relative one: it strips
    C0 controls and spaces from both ends and drops tabs and newlines anywhere first."""
    url = re.sub("[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return scheme[1].lower() if scheme else None


@dataclass
class Element:
    tag: str
    attributes: list[tuple[str, str]]
    content: str = ""  # a script's or a style's


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append(Element(tag, [(name, value or "") for name, value in attrs]))

    def handle_data(self, data: str) -> None:
        if self.found and self.found[-1].tag in ("script", "style"):
            self.found[-1].content += data


def elements(html: str) -> list[Element]:
    """Every element of an HTML document, with its attributes decoded."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def running_markup(found: list[Element], *, relative_links: bool = True) -> list[str]:
    """What in a document runs or leaves for a scheme that is not http, https or mailto:
    scripts' event handlers and such links (relative ones too, without `relative_links`)."""
    problems = []
    for e in found:
        for name, value in e.attributes:
            if name.startswith("on"):
                problems.append(f"<{e.tag} {name}={value!r}>: an event handler")
            if name in URL_ATTRIBUTES and value and not value.startswith("#"):
                scheme = browser_scheme(value)
                if scheme not in SAFE_SCHEMES and (scheme is not None or not relative_links):
                    problems.append(f"<{e.tag} {name}={value!r}>: a link to {scheme or 'a file'}")
    return problems


@dataclass
class Baseline:
    """The markup the templates themselves make, for the reference proposal."""

    pairs: set[tuple[str, str]] = field(default_factory=set)  # (element, attribute or "")
    styles: set[str] = field(default_factory=set)  # style attributes' values
    style_elements: int = 0
    scripts: int = 0
    sources: set[str] = field(default_factory=set)  # src attributes' values

    def add(self, found: list[Element]) -> None:
        for e in found:
            self.pairs |= {(e.tag, "")} | {(e.tag, name) for name, _ in e.attributes}
            self.styles |= {value for name, value in e.attributes if name == "style"}
            self.sources |= {value for name, value in e.attributes if name == "src"}
        self.style_elements = max(self.style_elements, sum(e.tag == "style" for e in found))
        self.scripts = max(self.scripts, sum(e.tag == "script" for e in found))


def brought_in(found: list[Element], baseline: Baseline) -> list[str]:
    """Elements, attributes, styles and scripts that neither the templates nor our inline
    Markdown make: what a proposal's text must have brought in."""
    problems = []
    for e in found:
        pairs = {(e.tag, "")} | {(e.tag, name) for name, _ in e.attributes}
        for pair in sorted(pairs - baseline.pairs - INLINE):
            problems.append(f"<{e.tag}> with {pair[1] or 'no attribute'}: not made by a template")
        for name, value in e.attributes:
            if name == "style" and value not in baseline.styles:
                problems.append(f"<{e.tag} style={value!r}>: a style from the proposal")
            if name == "src" and value not in baseline.sources:
                problems.append(f"<{e.tag} src={value!r}>: a source from the proposal")
    if sum(e.tag == "style" for e in found) > baseline.style_elements:
        problems.append("a <style> element from the proposal")
    if sum(e.tag == "script" for e in found) > baseline.scripts:
        problems.append("a <script> element from the proposal")
    return problems


def label_problems(label: str) -> list[str]:
    """A navigation label, which is a page's title too, is printed by Material as HTML, and
    into `<title>` after `striptags` (which decodes entities): it must be text in both."""
    problems = [f"{label!r}: <{e.tag}> in a label" for e in elements(label)]
    in_title = Markup(label).striptags()
    if re.search(r"<[A-Za-z/!?]", in_title):
        problems.append(f"{in_title!r}: markup inside <title>")
    return problems


# --- rendering in this process ------------------------------------------------------------


@dataclass
class Documents:
    pages: dict[str, str]  # file -> the page's HTML, as Python-Markdown makes it
    handouts: dict[str, str]
    labels: list[str]  # the navigation's, which are the pages' titles too
    site_name: str


def rendered(data: dict[str, Any]) -> Documents:
    """The site's pages and the handouts' HTML of a proposal, made by the same stages as a
    build (load, validate, compute, render), the pages converted by Python-Markdown with
    the site's extensions."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "proposals" / "p"
        folder.mkdir(parents=True)
        (folder / "proposal.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
        )
        proposal, _ = validate_proposal(load_proposal(folder), strict=False)
        case = build_case(proposal, folder.name)
        result = render_case(case, template_dirs(folder, ROOT), "a4", "2026-11-22T00:00:00Z")
    pages = {
        name: markdown.markdown(text, extensions=REQUIRED_EXTENSIONS)
        for name, text in result.pages.items()
    }
    return Documents(
        pages, result.handouts, list(nav_labels(result.nav)), title_html(proposal.title)
    )


def nav_labels(nav: list[Any]) -> Iterator[str]:
    for entry in nav:
        for label, target in entry.items():
            yield label
            if isinstance(target, list):
                yield from nav_labels(target)


@functools.lru_cache(maxsize=1)
def baseline() -> Baseline:
    """What the templates make for the reference proposal, as it is."""
    found = Baseline()
    documents = rendered(REFERENCE_DATA)
    for html in [*documents.pages.values(), *documents.handouts.values()]:
        found.add(elements(html))
    return found


def live_markup(documents: Documents) -> list[str]:
    problems = [p for label in documents.labels for p in label_problems(label)]
    problems += [f"site name: <{e.tag}>" for e in elements(documents.site_name)]
    for name, html in documents.pages.items():
        found = elements(html)
        problems += [f"{name}: {p}" for p in running_markup(found) + brought_in(found, baseline())]
    for name, html in documents.handouts.items():
        found = elements(html)
        problems += [
            f"{name}: {p}"
            for p in running_markup(found, relative_links=False) + brought_in(found, baseline())
        ]
    return problems


# --- what authors write ---------------------------------------------------------------------

ATTACKS = [
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.title='PWNED'\">",
    "<svg onload=alert(1)>",
    "</title><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)' x='",
    '" style="background:red" x="',
    "<style>body{display:none}</style>",
    "<p style=color:red>",
    "<a href=javascript:alert(1)>x</a>",
    "[our policy](\x01javascript:void(document.title='X'))",
    "[a](\tjava\tscript:alert(1))",
    "[a](java\x0ascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](\x00 javascript:alert(1))",
    "[a](\x1fvbscript:msgbox(1))",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](&#106;avascript:alert(1))",
    "[a](&#x6A;avascript&colon;alert(1))",
    "[a](javascript&#58;alert(1))",
    "[a](policy.html)",
    "[a](../../etc/passwd)",
    "[a](//evil.example/x)",
    "[a](file:///etc/passwd)",
    "[a](https://example.com/x_(y))",
    "[a](mailto:a@example.com)",
    "[**a** *b*](http://example.com)",
    "&lt;script&gt;", "&#60;img src=x onerror=alert(1)&#62;", "&amp;", "&#106;",
    "{: onclick=\"alert(1)\" style=\"x\" }", "{: #id .class }",
    "<!-- x -->", "<![CDATA[x]]>", "</textarea>", "<base href=//evil.example/>",
    "*", "**", "_", "__", "`", "[", "](", "#", "|", "\\", "\n", "\n- item", "\n# h", "\n    code", "\t",
    "\r", "\x01", "\x0b", "\x7f", "\u2028", "\u00a0javascript:x", "ｊavascript:x",
]  # fmt: skip
fragment = st.one_of(st.sampled_from(ATTACKS), st.text(max_size=8))
# Never blank, and within a title's limit of 200 characters.
author_text = st.lists(fragment, min_size=1, max_size=4).map(lambda p: "T " + "".join(p)[:150])


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(author_text, min_size=len(TEXT_PATHS), max_size=len(TEXT_PATHS)))
def test_whatever_an_author_writes_is_inert_in_every_page_handout_and_label(
    texts: list[str],
) -> None:
    assert live_markup(rendered(with_texts(texts))) == []


def test_every_text_field_of_the_reference_is_covered() -> None:
    fields = {path[-1] for path in TEXT_PATHS if isinstance(path[-1], str)}
    assert {"title", "summary", "organization", "name", "role", "label", "source", "detail",
            "mitigation", "item", "message", "concern", "answer", "phase", "metric",
            "when", "owner"} <= fields  # fmt: skip
    assert ("audiences", 0, "title") in TEXT_PATHS and (
        "audiences",
        0,
        "cares_about",
        0,
    ) in TEXT_PATHS


# --- the real build, in a browser -------------------------------------------------------------

PWNED = "PWNED"
LINK_TEXT = "clickme"


def payload(i: int) -> str:
    """Text that sets the page's title to PWNED if it runs: on load, or when its link is
    clicked. Numbered, so that a label stays unique."""
    return (
        f"T{i} <img src=x onerror=\"document.title='{PWNED}'\"> "
        f"[{LINK_TEXT}](\x01javascript:void(document.title='{PWNED}'))"
    )


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference proposal, built for real, with a payload in every text field."""
    workspace = tmp_path_factory.mktemp("inert")
    folder = workspace / "proposals" / "payload"
    folder.mkdir(parents=True)
    data = with_texts([payload(i) for i in range(len(TEXT_PATHS))])
    (folder / "proposal.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    report = build([folder], ROOT, workspace / "site")
    assert report.failed == [], report.failed
    return workspace / "site" / "payload"


@pytest.mark.slow
def test_every_built_page_of_a_proposal_full_of_payloads_is_inert(payload_site: Path) -> None:
    problems = []
    for page in sorted(payload_site.rglob("*.html")):
        found = elements(page.read_text(encoding="utf-8"))
        problems += [f"{page.name}: {p}" for p in running_markup(found) + payload_markup(found)]
    assert problems == []


def payload_markup(found: list[Element]) -> list[str]:
    """Where the payload shows up other than as text: as a script, a style, an image, or in
    an attribute that is not text for the reader."""
    readable = {"title", "aria-label", "alt", "content"}
    problems = []
    for e in found:
        if PWNED in e.content and not data_block(e):
            problems.append(f"<{e.tag}>: the payload in its content")
        if e.tag == "img" and ("src", "x") in e.attributes:
            problems.append("<img src=x>: the payload's image")
        for name, value in e.attributes:
            if PWNED in value and name not in readable:
                problems.append(f"<{e.tag} {name}={value!r}>: the payload in an attribute")
    return problems


def data_block(e: Element) -> bool:
    """A JSON data block (the what-if panel's model and labels): a browser never runs it,
    and with no `<` in it (escaped as \\u003c) nothing in it can end the element."""
    return (
        e.tag == "script" and ("type", "application/json") in e.attributes and "<" not in e.content
    )


@pytest.mark.slow
def test_an_audience_title_in_the_navigation_is_shown_as_the_text_it_is(
    payload_site: Path,
) -> None:
    """`check` says raw HTML "is shown as plain text": the navigation label reads as the
    author wrote it, and the page's `<title>` is closed only once."""
    raw = (payload_site / "audience-hr.html").read_text(encoding="utf-8")
    labels = [t for t in TextsOfClass.of(raw, "md-ellipsis") if re.match(r"T\d+ ", t)]
    assert labels, "no audience label in the navigation"
    for label in labels:
        assert re.fullmatch(r"T\d+ <img src=x onerror=\"document.title='PWNED'\"> clickme", label)
    head = raw[: raw.index("</head>")]
    assert len(re.findall(r"</title", head, re.I)) == 1


class TextsOfClass(HTMLParser):
    """The text a browser shows in each element of a class (word joiners aside)."""

    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.open: list[bool] = []  # for each open element: is it one of the class?
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        ours = self.name in (dict(attrs).get("class") or "").split()
        if ours:
            self.texts.append("")
        self.open.append(ours)

    def handle_endtag(self, tag: str) -> None:
        if self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if any(self.open):
            self.texts[-1] += data

    @classmethod
    def of(cls, html: str, name: str) -> list[str]:
        parser = cls(name)
        parser.feed(html)
        parser.close()
        return [" ".join(t.replace("\u2060", "").split()) for t in parser.texts]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


@pytest.mark.slow
def test_the_logo_tooltip_shows_the_title_escaped_once(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL.replace("Onboarding training", '"Q&A <training>"'))
    assert build([folder], workspace, workspace / "site").failed == []
    found = elements((workspace / "site" / "p" / "index.html").read_text(encoding="utf-8"))
    logos = [dict(e.attributes) for e in found if "md-logo" in dict(e.attributes).get("class", "")]
    assert logos, "no logo link in the header"
    for logo in logos:
        assert (logo["title"], logo["aria-label"]) == ("Q&A <training>", "Q&A <training>")


@pytest.mark.slow
@pytest.mark.pdf
def test_a_handout_never_links_into_the_builders_folders(workspace: Path) -> None:
    """WeasyPrint resolves a relative link against the folder it lays the handout out
    from: `policy.html` would become a file:// address of the builder's machine."""
    text = MINIMAL.replace(
        "summary: Train new starters.",
        'summary: "Read [our policy](policy.html), [this](../../etc) and [the law](https://example.com/law)."',
    )
    folder = write_proposal(workspace, text)
    assert build([folder], workspace, workspace / "site").failed == []
    uris = pdf_link_targets(workspace / "site" / "p" / "handout.pdf")
    assert sorted(set(uris)) == ["https://example.com/law"]  # a box per line it runs over
    for local in ("file:", str(ROOT), str(workspace)):
        assert not any(local in uri for uri in uris)


def pdf_link_targets(pdf: Path) -> list[str]:
    """The addresses of a PDF's link annotations."""
    targets = []
    for page in pypdf.PdfReader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action.get_object():
                targets.append(str(action.get_object()["/URI"]))
    return targets


@pytest.mark.slow
@pytest.mark.browser
def test_no_payload_runs_in_a_browser_on_any_page_clicked_or_searched(
    browser: Any, payload_site: Path
) -> None:
    """Every page opened from disk; on each, the payload's `javascript:` link (with a
    leading control character) clicked; on the start page, the payloads searched for,
    since Material renders search results as HTML."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    guard = Guard()
    guard.attach(context)
    page = context.new_page()
    pages = sorted(payload_site.glob("*.html"))
    assert len(pages) >= 10
    clicked = 0
    for built in pages:
        page.goto(built.as_uri(), wait_until="load")
        assert page.title() != PWNED, built.name
        link = page.locator("article").get_by_text(LINK_TEXT).locator("visible=true")
        if link.count():
            link.first.click()  # may open the page its entry links to: checked as well
            page.wait_for_load_state("load")
            assert page.title() != PWNED, f"{built.name}: after a click"
            clicked += 1
    assert clicked >= len(pages) // 2
    page.goto((payload_site / "index.html").as_uri(), wait_until="load")
    page.locator("label.md-header__button[for=__search]").click()  # search sits behind its icon
    box = page.get_by_role("textbox", name="Search")
    box.click()
    box.press_sequentially(LINK_TEXT)  # Material listens for keys, not for fill()
    expect(page.locator(".md-search-result__item").first).to_be_visible(timeout=10_000)
    assert page.title() != PWNED
    assert guard.outside == []
    context.close()
