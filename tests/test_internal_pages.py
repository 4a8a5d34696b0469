"""Internal means not published: the buy-in record marked `internal: true` (the L&D team's
notes on the leaders being won over) is in no file of the published site, not in its
search index, its sitemap, a handout or a deck; `internal: false` publishes it as a page
in the navigation.

One build of the support example serves every test: as shipped (internal), and a copy
with `internal: false`.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pypdf
import pytest

from buildcase.commands.build import BuildReport, build
from buildcase.commands.check import check_proposal
from buildcase.compute import build_case
from buildcase.render.pages import navigation, site_pages

from .conftest import PROPOSALS, ROOT

SUPPORT = PROPOSALS / "support-coaching-programme"
PUBLIC = "support-public"
SITE_URL = "https://proposals.example.org/"
# Written only in the support example's `campaign:` section: what the leaders want, the
# question asked, the decision's note, the report-back.
CAMPAIGN_TEXTS = [
    "before the spring peak",
    "no new targets while they learn",
    "Can the pilot run without backfill?",
    "the second wave waits",
    "Pilot results to the executive team",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    workspace = tmp_path_factory.mktemp("workspace")
    # With an address, MkDocs lists every page in the sitemap (without, it lists none).
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    (workspace / "mkdocs.yml").write_text(config + f"site_url: {SITE_URL}\n", encoding="utf-8")
    internal = workspace / "proposals" / SUPPORT.name
    shutil.copytree(SUPPORT, internal)
    public = workspace / "proposals" / PUBLIC
    shutil.copytree(SUPPORT, public)
    text = (public / "proposal.yaml").read_text(encoding="utf-8")
    assert "campaign:\n  internal: true\n" in text
    (public / "proposal.yaml").write_text(
        text.replace("campaign:\n  internal: true\n", "campaign:\n  internal: false\n"),
        encoding="utf-8",
    )
    report = build([internal, public], workspace, workspace / "site")
    assert report.failed == []
    return report


def readable_text(path: Path) -> str:
    """A file's text as someone reading it, or a search engine, would: a PDF's extracted,
    a gzip's unpacked, anything else as UTF-8; whitespace made single spaces."""
    if path.suffix == ".pdf":
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    else:
        data = path.read_bytes()
        text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", "ignore")
    return re.sub(r"\s+", " ", text)


def search_index(site: Path) -> list[dict[str, str]]:
    """What the site's own search finds: an entry per page and per section of one."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs: list[dict[str, str]] = index["docs"]
    return docs


@pytest.mark.slow
@pytest.mark.pdf
def test_an_internal_page_is_in_no_file_of_the_published_site(built: BuildReport) -> None:
    site = built.out / SUPPORT.name
    assert not (site / "campaign.html").exists()
    files = [path for path in site.rglob("*") if path.is_file()]
    assert any(path.name.startswith("handout") for path in files)
    assert any(path.name.startswith("present") for path in files)
    assert (site / "sitemap.xml.gz").is_file()
    for path in [*files, built.out / "index.html"]:  # pages, index, sitemap, handouts, decks
        text = readable_text(path)
        for words in CAMPAIGN_TEXTS:
            assert words not in text, (path, words)
        assert "campaign.html" not in text, path
    assert "approved with conditions" not in readable_text(site / "handout.pdf")


@pytest.mark.slow
def test_the_site_s_search_finds_nothing_of_it(built: BuildReport) -> None:
    docs = search_index(built.out / SUPPORT.name)
    assert docs  # the published pages are found
    assert not [d["location"] for d in docs if d["location"].startswith("campaign.html")]
    assert not [d for d in docs if d["title"] in ("Champion", "Leaders consulted")]
    found = json.dumps(docs)
    assert not [words for words in CAMPAIGN_TEXTS if words in found]
    sitemap = (built.out / SUPPORT.name / "sitemap.xml").read_text()
    assert "/risks.html</loc>" in sitemap  # it lists the published pages
    assert "campaign.html" not in sitemap


@pytest.mark.slow
@pytest.mark.pdf
def test_internal_false_publishes_the_page_in_the_navigation(built: BuildReport) -> None:
    site = built.out / PUBLIC
    page = readable_text(site / "campaign.html")
    assert [words for words in CAMPAIGN_TEXTS if words in page] == CAMPAIGN_TEXTS
    assert 'href="campaign.html"' in (site / "index.html").read_text()
    assert "Status: approved with conditions" in readable_text(site / "handout.pdf")
    docs = search_index(site)
    assert any(d["location"].startswith("campaign.html") for d in docs)
    assert "no new targets while they learn" in json.dumps(docs)
    assert "/campaign.html</loc>" in (site / "sitemap.xml").read_text()


def test_internal_pages_are_left_out_of_the_site_unless_asked_for() -> None:
    case = build_case(check_proposal(SUPPORT)[0], SUPPORT.name)
    assert "campaign.md" not in [page.file for page in site_pages(case, str)]
    edition = site_pages(case, str, internal=True)  # the L&D team's own edition
    assert "campaign.md" in [page.file for page in edition]
    assert {"Buy-in plan": "campaign.md"} in navigation(edition)
