"""One proposal, every audience: editions, objections, the buy-in plan, the portfolio,
branding and language."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pypdf
import pytest
import yaml

from buildcase.commands.build import BuildReport, build
from buildcase.i18n import language

from .conftest import (
    MINIMAL,
    PROPOSALS,
    REFERENCE,
    ROOT,
    copy_reference,
    run_cli,
    write_proposal,
)

SUPPORT = PROPOSALS / "support-coaching-programme"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    out = tmp_path_factory.mktemp("site")
    return build([REFERENCE, SUPPORT], ROOT, out)


def text_of(path: Path) -> str:
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def pdf_of(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    return len(reader.pages), re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("audience", ["sales", "hr", "support"])
def test_each_audience_has_a_handout_leading_with_their_concerns(
    built: BuildReport, audience: str
) -> None:
    data = next(
        a
        for a in yaml.safe_load((REFERENCE / "proposal.yaml").read_text())["audiences"]
        if a["id"] == audience
    )
    pages, text = pdf_of(built.out / REFERENCE.name / f"handout-{audience}.pdf")
    assert pages <= 2
    # The decision first, as on every handout; then their concerns, then their columns.
    assert (
        text.index("Approve $184,000")
        < text.index("WHAT YOU CARE ABOUT")
        < text.index("What's in it for you")
    )
    for concern in data["cares_about"]:
        assert concern in text
    assert data["message"] in text
    assert f"For {data['title']}" in text


@pytest.mark.slow
def test_an_audience_page_is_written_to_them(built: BuildReport) -> None:
    page = text_of(built.out / SUPPORT.name / "audience-team-leads.html")
    page = page[page.index("What you care about") :]  # the content, after the navigation
    assert page.index("What's in it for you") < page.index("Your questions, answered")
    assert "I have never been taught how to coach." in page  # an objection tagged for them
    assert "What if it does not move the numbers?" not in page  # tagged for someone else
    assert "The numbers that matter to you" in page


@pytest.mark.slow
def test_objections_are_grouped_by_the_concern_behind_them(built: BuildReport) -> None:
    page = text_of(built.out / REFERENCE.name / "questions.html")
    order = [
        page.index(t) for t in ("Time", "Inexperience", "Capacity and targets", "Fear of failure")
    ]
    assert order == sorted(order)
    assert page.index("My team has no time for training.") > page.index("Time")


@pytest.mark.slow
def test_plan_against_actual_shows_the_misses(built: BuildReport) -> None:
    page = text_of(built.out / SUPPORT.name / "plan.html")
    assert (
        "Contacts resolved at the first contact 68% 76% end of roll-out 71% (October 2026) missed"
        in page
    )
    assert "97% (October 2026) met" in page
    raw = (built.out / SUPPORT.name / "plan.html").read_text()
    assert 'class="bc-chart bc-chart--timeline"' in raw


@pytest.mark.slow
@pytest.mark.pdf
def test_the_timeline_is_in_the_handout_too(built: BuildReport) -> None:
    _, text = pdf_of(built.out / REFERENCE.name / "handout.pdf")
    assert "Weeks from the start" in text and "1. Pilot with 40 employees" in text


@pytest.mark.slow
@pytest.mark.pdf
def test_an_internal_campaign_is_built_only_on_request_and_never_into_site(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`build --internal` is the L&D team's edition: the buy-in plan is a page of it, in
    its navigation, in internal/; the published site/ has no trace of it
    (tests/test_internal_pages.py reads every file of that site)."""
    shutil.copytree(SUPPORT, workspace / "proposals" / SUPPORT.name)
    folder = workspace / "proposals" / SUPPORT.name
    code, _, err = run_cli(capsys, "build", "--internal", str(folder))
    assert code == 0, err
    edition = workspace / "internal" / SUPPORT.name
    campaign = text_of(edition / "campaign.html")
    assert "Status: approved with conditions" in campaign and "Leaders consulted" in campaign
    assert 'href="campaign.html"' in (edition / "index.html").read_text()
    for handout in edition.glob("handout*.pdf"):
        assert "Leaders consulted" not in pdf_of(handout)[1]
    assert not (workspace / "site").exists()
    assert run_cli(capsys, "build", str(folder))[0] == 0
    assert not (workspace / "site" / SUPPORT.name / "campaign.html").exists()


@pytest.mark.slow
@pytest.mark.pdf
def test_a_public_campaign_is_in_the_navigation(workspace: Path) -> None:
    folder = write_proposal(
        workspace, MINIMAL + "campaign:\n  internal: false\n  decision:\n    status: declined\n"
    )
    report = build([folder], workspace, workspace / "site")
    assert report.failed == []
    assert 'href="campaign.html"' in (workspace / "site" / "p" / "index.html").read_text()
    assert "Status: declined" in pdf_of(workspace / "site" / "p" / "handout.pdf")[1]


@pytest.mark.slow
def test_the_portfolio_lists_every_proposal_with_its_status(built: BuildReport) -> None:
    index = built.out / "index.html"
    page = text_of(index)
    assert "Social media training for every employee" in page and "Coaching on the queue" in page
    assert "Approved with conditions" in page  # where a decision is recorded
    assert "not tracked" not in page and "–" not in page  # no empty states
    assert "Head of Sales" in page and "hr.pdf" not in page  # handouts by their audience
    raw = index.read_text()
    for target in re.findall(r'href="([^"]+)"', raw):
        assert (built.out / target).is_file(), target
    assert not re.search(r'(src|href)="(https?:)?//', raw)  # offline, from disk


@pytest.mark.slow
def test_one_audience_edition_only(workspace: Path) -> None:
    folder = copy_reference(workspace)
    build([folder], workspace, workspace / "site", audience="hr")
    handouts = sorted(p.name for p in (workspace / "site" / folder.name).glob("handout*.pdf"))
    assert handouts == ["handout-hr.pdf", "handout.pdf"]


@pytest.mark.slow
@pytest.mark.pdf
def test_branding_styles_site_and_handouts(built: BuildReport) -> None:
    site = built.out / SUPPORT.name
    assert "--bc-primary: #0b6e4f" in (site / "assets/buildcase/brand/brand.css").read_text()
    assert "assets/buildcase/brand/logo.svg" in (site / "index.html").read_text()
    reader = pypdf.PdfReader(site / "handout.pdf")
    assert any(
        "/XObject" in str(p.get("/Resources", {})) for p in reader.pages
    )  # the logo is drawn


@pytest.mark.parametrize(
    ("branding", "message"),
    [
        (
            "  logo: ../../secret.png\n",
            "branding.logo: '../../secret.png' is outside the proposal folder",
        ),
        ("  logo: missing.png\n", "branding.logo: no file 'missing.png' in the proposal folder"),
        (
            "  primary: 'red; } body { display: none'\n",
            "branding.primary: expected a colour such as '#3949ab'",
        ),
    ],
)
def test_branding_refuses_what_could_leak_or_inject(
    workspace: Path, branding: str, message: str
) -> None:
    folder = write_proposal(workspace, MINIMAL + "branding:\n" + branding)
    report = build([folder], workspace, workspace / "site")
    assert message in str(report.failed[0].error)


def test_a_language_with_no_catalog_fails_clearly(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + "language: xx\n")
    report = build([folder], workspace, workspace / "site")
    assert "language: no message catalog for the language 'xx'; available: de, en" in str(
        report.failed[0].error
    )


def every_label() -> set[str]:
    """Every fixed label the templates and the code ask to translate."""
    labels: set[str] = set()
    sources = [*(ROOT / "templates").rglob("*.j2"), *(ROOT / "buildcase").rglob("*.py")]
    for path in sources:
        labels |= {
            m[1] or m[2]
            for m in re.finditer(
                r"""(?<![\w.])_\(\s*(?:"((?:[^"\\]|\\.)+)"|'((?:[^'\\]|\\.)+)')\s*\)""",
                path.read_text(),
            )
        }
    labels |= {
        f"theme:{t}"
        for t in ("time", "inexperience", "capacity", "failure", "cost", "not-my-job", "other")
    }
    labels |= {
        f"status:{s}" for s in ("pending", "approved", "approved-with-conditions", "declined")
    }
    return {label.replace('\\"', '"') for label in labels}


def test_the_german_catalog_is_complete() -> None:
    missing = sorted(every_label() - language("de").messages.keys())
    assert missing == []


@pytest.mark.slow
@pytest.mark.pdf
def test_a_german_proposal_has_no_english_label_left(workspace: Path) -> None:
    folder = copy_reference(workspace)
    text = (
        (folder / "proposal.yaml")
        .read_text()
        .replace("currency: USD", "currency: EUR\nlanguage: de")
    )
    (folder / "proposal.yaml").write_text(text)
    report = build([folder], workspace, workspace / "site")
    assert report.failed == []
    site = workspace / "site" / folder.name
    shown = " ".join(text_of(p) for p in site.glob("*.html")) + " ".join(
        pdf_of(p)[1] for p in site.glob("*.pdf")
    )
    german = language("de").messages
    english_left = [
        label for label in every_label()
        if len(label) > 12 and german[label] != label and not label.startswith(("theme:", "status:")) and label in shown
    ]  # fmt: skip
    assert english_left == []
    assert "184.000 €" in shown and "22. November 2026" in shown and "Was wir davon haben" in shown
    assert (
        '<html lang="de"' in (site / "index.html").read_text()
        or 'lang="de"' in (site / "index.html").read_text()
    )


@pytest.mark.slow
def test_the_reference_proposal_still_builds_unchanged(tmp_path: Path) -> None:
    # The reference proposal keeps building unchanged with every feature added.
    shutil.copytree(REFERENCE, tmp_path / "proposals" / REFERENCE.name)
    report = build([tmp_path / "proposals" / REFERENCE.name], tmp_path, tmp_path / "site")
    assert report.failed == []
