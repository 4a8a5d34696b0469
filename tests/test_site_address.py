"""The handout's address of the site, and its QR code, name the proposal's folder
percent-encoded (issue 33): a space, '#', '?', '%' or a letter outside ASCII in the folder's
name would otherwise cut the address short, or open another page."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pytest
import segno

from .conftest import MINIMAL, run_cli, write_proposal
from .test_build import pdf_text

# Builds a proposal through the engines.
pytestmark = [pytest.mark.slow]

SITE_URL = "https://cases.example.org/l-and-d/"
FOLDER = "café #1?%x y"
ENCODED = SITE_URL + "caf%C3%A9%20%231%3F%25x%20y/"


def test_the_address_and_the_qr_code_encode_the_folder_name(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(Path(__file__).parent.parent / "mkdocs.yml", workspace / "mkdocs.yml")
    with (workspace / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write(f"\nsite_url: {SITE_URL}\n")
    folder = write_proposal(workspace, MINIMAL, slug=FOLDER)
    encoded: list[str] = []
    make = segno.make

    def recorded(content: str, **options: object) -> segno.QRCode:
        encoded.append(content)
        return make(content, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(segno, "make", recorded)
    code, _, err = run_cli(capsys, "build", str(folder), "--jobs", "1")
    assert code == 0, err
    assert encoded == [ENCODED]  # what a phone opens
    _, text = pdf_text(workspace / "site" / FOLDER / "handout.pdf")
    assert ENCODED in text.replace(" ", "")  # what a reader types; it may wrap


def test_the_sitemap_and_the_canonical_links_name_the_proposal_s_folder(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each proposal is published in its own folder under `site_url`: the sitemap and every
    page's canonical link say `<site_url>/<folder>/page.html`, not `<site_url>/page.html`
    (another proposal's page, or none), the folder's name encoded as the handout's is."""
    shutil.copy(Path(__file__).parent.parent / "mkdocs.yml", workspace / "mkdocs.yml")
    with (workspace / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write(f"\nsite_url: {SITE_URL}\n")
    folder = write_proposal(workspace, MINIMAL, slug=FOLDER)
    code, _, err = run_cli(capsys, "build", str(folder), "--jobs", "1")
    assert code == 0, err
    site = workspace / "site" / FOLDER
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()).decode() == sitemap
    locations = re.findall(r"<loc>([^<]*)</loc>", sitemap)
    assert ENCODED + "index.html" in locations
    for location in locations:
        assert location.startswith(ENCODED), location
        page = (site / location.removeprefix(ENCODED)).read_text(encoding="utf-8")
        assert f'<link rel="canonical" href="{location}">' in page
