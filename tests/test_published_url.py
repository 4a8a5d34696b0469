"""Where a proposal's site says it is published (its sitemap, its canonical links): the
workspace's `site_url` with the proposal's folder under it, as the handout prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildcase.engines.mkdocs import site_overrides


@pytest.mark.parametrize(
    ("site_url", "published"),
    [
        ("https://cases.example.org/l-and-d/", "https://cases.example.org/l-and-d/q3%20%231/"),
        ("https://cases.example.org", "https://cases.example.org/q3%20%231/"),
        (None, None),  # no site_url: MkDocs writes no sitemap address, nor do we
        ("cases.example.org", "cases.example.org"),  # MkDocs refuses it, as it was written
    ],
)
def test_the_site_url_is_the_proposal_s_folder_under_the_workspace_s(
    tmp_path: Path, site_url: str | None, published: str | None
) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\n" + (f"site_url: {site_url}\n" if site_url else ""))
    overrides = site_overrides(config, [], "Q3", slug="q3 #1")
    assert overrides.get("site_url", site_url) == published
