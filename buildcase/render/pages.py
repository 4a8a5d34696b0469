"""The site's page plan: which pages a case has, in what order, and MkDocs' navigation;
and the pages without their links to a file the build does not publish."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from buildcase.compute import Case
from buildcase.compute.records import AudienceView
from buildcase.markup import nav_label


@dataclass(frozen=True)
class Page:
    """One page of the site: its file, its title, its template, where it sits in the nav."""

    file: str
    title: str
    template: str
    section: str | None = None  # the navigation section it sits under
    audience: AudienceView | None = None


def site_pages(case: Case, _: Callable[[str], str], *, internal: bool = False) -> list[Page]:
    """The pages of the site; a page appears only when its section is given.

    An internal page (the buy-in plan, unless `campaign.internal: false`: the L&D team's
    notes on the leaders being won over) is no page of the published site at all. Left
    out here, it is never rendered, so its text cannot reach the site's folder, its
    search index or sitemap, a handout or a deck. `internal=True` asks for it, in the
    navigation, for an edition the L&D team keeps to itself.
    """
    p = case.proposal
    shown_campaign = bool(p.campaign and (internal or not p.campaign.internal))
    has_money = case.lead.annual_gain is not None or case.lead.expected_loss is not None
    heads = _("For department heads")
    candidates = [
        (True, Page("index.md", _("Summary"), "site/index.md.j2")),
        (case.results is not None, Page("results.md", _("Results"), "site/results.md.j2")),
        (True, Page("benefits.md", _("What's in it for us"), "site/benefits.md.j2")),
        (True, Page("risks.md", _("Risk if we don't"), "site/risks.md.j2")),
        (bool(p.behaviours) or case.need_split is not None, Page("impact.md", _("What people will do differently"), "site/impact.md.j2")),  # noqa: E501
        (has_money, Page("case.md", _("The business case"), "site/case.md.j2")),
        (case.lead.annual_gain is not None, Page("whatif.md", _("What if?"), "site/whatif.md.j2")),
        (bool(p.survey or p.evidence), Page("evidence.md", _("Evidence"), "site/evidence.md.j2")),
        (True, Page("goals.md", _("Leadership goals"), "site/goals.md.j2")),
        (bool(p.plan or p.measures or p.support), Page("plan.md", _("Plan and measures"), "site/plan.md.j2")),  # noqa: E501
        (bool(p.costs), Page("costs.md", _("Costs"), "site/costs.md.j2")),
        (bool(p.objections), Page("questions.md", _("Questions and answers"), "site/questions.md.j2")),  # noqa: E501
        (bool(p.audiences), Page("departments.md", _("Overview"), "site/departments.md.j2", heads)),
        *((True, Page(f"{a.anchor}.md", a.audience.title, "site/audience.md.j2", heads, audience=a))
          for a in case.audiences),
        (shown_campaign, Page("campaign.md", _("Buy-in plan"), "site/campaign.md.j2")),
    ]  # fmt: skip
    return [page for present, page in candidates if present]


def navigation(pages: list[Page]) -> list[Any]:
    """MkDocs' nav: pages in order, those of a section gathered under its title."""
    nav: list[Any] = []
    sections: dict[str, list[Any]] = {}
    for page in pages:
        title = nav_label(page.title)  # Material prints navigation labels unescaped
        if page.section is None:
            nav.append({title: page.file})
        else:
            if page.section not in sections:
                sections[page.section] = []
                nav.append({nav_label(page.section): sections[page.section]})
            sections[page.section].append({title: page.file})
    return nav


def without_links(pages: dict[str, str], files: Iterable[str]) -> dict[str, str]:
    """The site's pages without their links to `files` (handouts left out), each taken out
    whole (`<a ... href="FILE" ...>...</a>`), nor a row of buttons left empty."""
    names = "|".join(re.escape(name) for name in files)
    if not names:
        return pages
    link = re.compile(rf'<a\b[^>]*\bhref="(?:{names})"[^>]*>.*?</a>', re.S)
    return {name: EMPTY_ROW.sub("", link.sub("", text)) for name, text in pages.items()}


EMPTY_ROW = re.compile(r'<p class="bc-actions[^"]*">\s*</p>\n?')
