"""Integration: real proposals built into a temporary folder, read back from the output."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pypdf
import pytest

from buildcase.commands.build import BuildReport, build
from buildcase.compute import Case, build_case
from buildcase.load import load_proposal
from buildcase.markup import plain_text
from buildcase.models.sections import Proposal
from buildcase.validate import validate_proposal

from .conftest import MINIMAL, PROPOSALS, REFERENCE, ROOT, copy_reference, write_proposal

# Every test here builds through the engines (most share one build of every example).
pytestmark = [pytest.mark.slow]

ALL = sorted(p for p in PROPOSALS.iterdir() if p.is_dir())
EXPECTED_WARNINGS = {
    # The reference proposal cites research from 2011 and 2020 and leaves one goal unserved;
    # its 'want-content' stat has its own n (1,850) but not the population it was drawn
    # from, and it measures incidents 12 months after the roll-out, past the one year the
    # return is counted over. buildcase must say so, and nothing else.
    "social-media-training": [
        "survey.stats[3].respondents: stat 'want-content' has its own respondents but no population",
        "evidence[0].year: evidence 'altimeter-policy' is from 2011",
        "evidence[1].year: evidence 'altimeter-avoidable' is from 2011",
        "evidence[2].year: evidence 'transfer-rate' is from 2020",
        "goals[3]: no benefit serves the goal 'compliance'",
        # format 1.2: the reference asks its three department heads for nothing
        "audiences[0]: what do you need from the Head of Sales?",
        "audiences[1]: what do you need from the Chief HR Officer?",
        "audiences[2]: what do you need from the Head of Customer Support?",
        "measures[2].when: '12 months after roll-out' is about 16 months from the proposal's date",
    ],
    # Winning competitive cloud deals (a benefit) and losing cloud renewals to competitors (a
    # risk training reduces) are much the same outcome, and both count towards the gain.
    "sales-enablement-journey": [
        "risks[0].reduction: benefit 'win-rate-lift' and this risk may count the same outcome twice",
    ],
    # Attrition is measured 12 months after the roll-out, past the one-year horizon.
    "support-coaching-programme": [
        "measures[2].when: '12 months after roll-out' is about 17 months from the proposal's date",
        # its dark green logo on its dark green header: the site puts it on a light plate
        "branding.logo: ",
    ],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    out = tmp_path_factory.mktemp("site")
    return build(ALL, ROOT, out)


def page_text(path: Path) -> str:
    """The text a reader sees on a page: tags dropped, entities decoded."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def site_text(folder: Path) -> str:
    return " ".join(page_text(p) for p in sorted(folder.glob("*.html")))


def pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


def model(folder: Path) -> Proposal:
    return validate_proposal(load_proposal(folder))[0]


def model_case(folder: Path) -> Case:
    return build_case(model(folder), folder.name)


def test_every_example_builds(built: BuildReport) -> None:
    assert [f.folder.name for f in built.failed] == []
    assert sorted(b.slug for b in built.built) == [p.name for p in ALL]
    assert len(ALL) >= 3


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_only_the_expected_warnings(built: BuildReport, folder: Path) -> None:
    result = next(b for b in built.built if b.slug == folder.name)
    expected = EXPECTED_WARNINGS.get(folder.name, [])
    assert len(result.warnings) == len(expected), result.warnings
    for warning, start in zip(result.warnings, expected, strict=True):
        assert f": warning: {start}" in warning


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_site_shows_every_title_and_figure(built: BuildReport, folder: Path) -> None:
    p = model(folder)
    text = site_text(built.out / folder.name)
    titles = [b.title for b in p.benefits] + [r.title for r in p.risks] + [g.title for g in p.goals]
    for title in titles:
        assert plain_text(title) in text
    for stat in p.survey.stats if p.survey else []:
        assert str(stat.value) in text and plain_text(stat.label) in text
    for entry in p.evidence:
        assert str(entry.value) in text and entry.source in text


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_every_statistic_carries_its_n_or_source(built: BuildReport, folder: Path) -> None:
    p = model(folder)
    evidence = page_text(built.out / folder.name / "evidence.html")
    if p.survey:
        assert f"{p.survey.respondents:,} respondents" in evidence
        figures = model_case(folder).figures
        for stat in p.survey.stats:
            f = figures[stat.id]
            label = re.escape(plain_text(stat.label))
            pattern = rf"{re.escape(str(f.value))} {label}( \(computed from [^)]+\))? (± [\d.]+ pts|–|all {f.n:,} answered) {f.n:,}"
            assert re.search(pattern, evidence), stat.id
    for entry in p.evidence:  # a source with a `url` is a link: its tag reads as a space
        # with its year, once: a source whose name ends with its year is not given it again
        year = "" if entry.source.rstrip(").").endswith(str(entry.year)) else f", {entry.year}"
        assert re.search(rf"{re.escape(entry.source)} ?{year}", evidence), entry.id
    for page, entries in (("benefits.html", p.benefits), ("risks.html", p.risks)):
        raw = (built.out / folder.name / page).read_text(encoding="utf-8")
        # a benefit's card quotes its first figure, the list under it the rest (issue 31)
        quoted = re.findall(
            r'<li class="bc-stat">.*?</li>|<p class="bc-card__evidence">.*?</p>', raw
        )
        assert len(quoted) == sum(len(e.evidence) for e in entries)
        for item in quoted:  # each quoted figure links to its n or its source
            # n and margin, a census, or a source with its year once (not "2026, 2026")
            cite = r"(± [\d.]+ pts, )?n&nbsp;=&nbsp;[\d,]+( of [\d,]+)?|all [\d,]+ answered|[^<]+ \d{4}"
            assert re.search(rf'class="bc-cite"[^>]*>({cite})</a>', item)


def test_reference_start_page_reads_as_an_executive_summary(built: BuildReport) -> None:
    text = page_text(built.out / REFERENCE.name / "index.html")
    for expected in [
        "Approve $184,000: a gain of $300,000 a year, paid back in 10 months",  # 9.9, rounded up
        "Decision by 15 January 2027", "to train 1,200 people over 16 weeks",
        "a pilot of 40 first ($9,000, inside the budget)",
        "What's in it for us", "Risk if we don't",
        "Cost of doing nothing: $537,500 a year",
        "65%", "Our survey, n = 2,400, ± 1.7 pts", "Download the handout (PDF)",
    ]:  # fmt: skip
        assert expected in text


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_every_link_leads_to_a_page_and_anchor_that_exist(built: BuildReport, folder: Path) -> None:
    site = built.out / folder.name
    ids: dict[str, set[str]] = {}
    for page in site.glob("*.html"):
        ids[page.name] = set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))
    for page in site.glob("*.html"):
        for href in re.findall(r'<a [^>]*href="([^"]+)"', page.read_text(encoding="utf-8")):
            href = html.unescape(href)
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            target, _, fragment = href.partition("#")
            target_path = (page.parent / target) if target else page
            assert target_path.exists(), f"{page.name}: {href}"
            if fragment and target_path.suffix == ".html" and target_path.parent == site:
                assert fragment in ids[target_path.name], f"{page.name}: {href}"


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_the_site_requests_nothing_from_the_network(built: BuildReport, folder: Path) -> None:
    site = built.out / folder.name
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        loaded = re.findall(r'<(?:script|img|iframe|source)\b[^>]*\bsrc="([^"]+)"', text)
        loaded += re.findall(r'<link\b[^>]*\bhref="([^"]+)"', text)
        assert [u for u in loaded if re.match(r"(https?:)?//", u)] == [], page
        assert "fonts.googleapis" not in text and "unpkg.com" not in text
    for css in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css
    # search works from disk: the offline index and the local worker shim are there
    assert (site / "search" / "search_index.js").is_file()
    assert (site / "assets/buildcase/vendor/iframe-worker/shim.js").is_file()


@pytest.mark.pdf
@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_handout_fits_two_pages_with_columns_and_key_numbers(
    built: BuildReport, folder: Path
) -> None:
    p = model(folder)
    pages, text = pdf_text(built.out / folder.name / "handout.pdf")
    assert 1 <= pages <= 2
    assert "What's in it for us" in text and "Risk if we don't" in text
    assert p.title in text and p.organization.upper() in text
    if p.request and p.request.budget:
        assert f"{p.request.budget:,.0f}" in text
    assert "Page 1 of" in text


@pytest.mark.pdf
def test_handout_of_the_reference_quotes_its_numbers_and_sources(built: BuildReport) -> None:
    _, text = pdf_text(built.out / REFERENCE.name / "handout.pdf")
    for expected in ["$184,000", "$537,500", "33%", "65%", "SOURCES", "n = 2,400 of 11,000",
                     "Altimeter Group, Social Business Readiness, 2011", "Sam Ortiz"]:  # fmt: skip
        assert expected in text
    reader = pypdf.PdfReader(built.out / REFERENCE.name / "handout.pdf")
    assert reader.metadata.title == "Social media training for every employee"
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_only_pages_for_given_sections(workspace: Path) -> None:
    write_proposal(workspace, MINIMAL)
    report = build([workspace / "proposals" / "p"], workspace, workspace / "site")
    assert report.failed == []
    pages = sorted(p.name for p in (workspace / "site" / "p").glob("*.html"))
    assert pages == [
        "benefits.html", "case.html", "goals.html", "index.html", "present.html", "risks.html"
    ]  # fmt: skip


@pytest.mark.pdf
def test_letter_paper_by_option(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    build([folder], workspace, workspace / "site", paper="letter")
    page = pypdf.PdfReader(workspace / "site" / "p" / "handout.pdf").pages[0]
    assert (round(page.mediabox.width), round(page.mediabox.height)) == (612, 792)


def test_a_failed_build_leaves_the_earlier_output_untouched(workspace: Path) -> None:
    folder = copy_reference(workspace)
    out = workspace / "site"
    assert build([folder], workspace, out).failed == []
    before = {p: p.read_bytes() for p in (out / folder.name).rglob("*") if p.is_file()}
    yaml = folder / "proposal.yaml"
    yaml.write_text(yaml.read_text().replace("likelihood: 20%", "likelihood: 20"))
    report = build([folder], workspace, out)
    assert len(report.failed) == 1
    after = {p: p.read_bytes() for p in (out / folder.name).rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.iterdir() if p.name.startswith(f".{folder.name}")] == []


def test_refuses_to_replace_a_folder_it_did_not_make(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    precious = workspace / "site" / "p"
    precious.mkdir(parents=True)
    (precious / "thesis.docx").write_text("years of work")
    report = build([folder], workspace, workspace / "site")
    assert "refusing to replace" in str(report.failed[0].error)
    assert (precious / "thesis.docx").read_text() == "years of work"


@pytest.mark.pdf
def test_the_same_input_gives_the_same_handout_bytes(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    build([folder], workspace, workspace / "one")
    build([folder], workspace, workspace / "two")
    assert (workspace / "one/p/handout.pdf").read_bytes() == (
        workspace / "two/p/handout.pdf"
    ).read_bytes()


@pytest.mark.pdf
def test_a_handout_that_would_run_long_names_its_longest_part(workspace: Path) -> None:
    long_detail = "A sentence that goes on to explain the benefit in some depth. " * 8
    benefits = "".join(
        f"  - title: Benefit number {i}\n    detail: {long_detail}\n    goals: [retention]\n"
        for i in range(22)
    )
    text = MINIMAL.replace(
        "  - title: New starters stay longer\n    goals: [retention]\n", benefits
    )
    folder = write_proposal(workspace, text)
    report = build([folder], workspace, workspace / "site")
    # Since issue 25 that handout alone is left out: the proposal is built without it.
    assert report.failed == [] and report.left_out == 1
    problem = report.built[0].left_out["handout.pdf"]
    assert problem.severity == "error" and problem.field == "benefits"
    assert "handout.pdf runs to" in problem.message
    assert "The longest part is the two columns" in problem.message
    assert (workspace / "site" / "p" / "index.html").is_file()
    assert not (workspace / "site" / "p" / "handout.pdf").exists()


def test_templates_are_overridden_by_workspace_then_proposal(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    shipped = ROOT / "templates" / "site" / "goals.md.j2"
    for where, marker in [(workspace, "WORKSPACE-OVERRIDE"), (folder, "PROPOSAL-OVERRIDE")]:
        target = where / "templates" / "site" / "goals.md.j2"
        target.parent.mkdir(parents=True)
        target.write_text(
            shipped.read_text().replace('# {{ _("Leadership goals") }}', f"# {marker}")
        )
    build([folder], workspace, workspace / "site")
    text = page_text(workspace / "site" / "p" / "goals.html")
    assert "PROPOSAL-OVERRIDE" in text and "WORKSPACE-OVERRIDE" not in text
    shutil.rmtree(folder / "templates")
    build([folder], workspace, workspace / "site")
    assert "WORKSPACE-OVERRIDE" in page_text(workspace / "site" / "p" / "goals.html")


@pytest.mark.pdf
def test_hostile_text_stays_inert_in_site_and_handout(workspace: Path) -> None:
    text = MINIMAL.replace(
        "title: New starters stay longer",
        "title: '<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>'",
    )
    folder = write_proposal(workspace, text)
    build([folder], workspace, workspace / "site")
    for page in (workspace / "site" / "p").glob("*.html"):
        raw = page.read_text(encoding="utf-8")
        assert (
            "<script>alert" not in raw and "javascript:alert" not in raw and "<img src=x" not in raw
        )
    _, pdf = pdf_text(workspace / "site" / "p" / "handout.pdf")
    assert "<script>alert(1)</script>" in pdf  # shown as the text it is


def test_the_business_case_is_traced_to_its_inputs(built: BuildReport) -> None:
    text = page_text(built.out / REFERENCE.name / "case.html")
    for expected in [
        "The training costs $184,000 ($153 per participant)",
        "Doing nothing is expected to cost $537,500 a year",
        "(gain − cost) ÷ cost × 100 = ($236,538 − $184,000) ÷ $184,000 × 100 = 29%",
        "No gain until week 6 (the end of the pilot); the gain then grows evenly, as people "
        "are trained, to $300,000 a year by week 16: the cost of $184,000 is repaid after "
        "9.9 months.",
        "20% × $1,500,000 + 35% × $250,000 + 50% × $300,000 = $537,500 a year",
        "$52,000 + $72,000 + $38,000 + $22,000 = $184,000",
    ]:
        assert expected in text


@pytest.mark.pdf
def test_survey_figures_show_their_margin_of_error(built: BuildReport) -> None:
    evidence = page_text(built.out / REFERENCE.name / "evidence.html")
    assert (
        "65% are asked by friends or family about Northwind or its products ± 1.7 pts 2,400"
        in evidence
    )
    _, handout = pdf_text(built.out / REFERENCE.name / "handout.pdf")
    assert "65% ± 1.7 pts" in handout


@pytest.mark.parametrize(
    ("page", "chart"),
    [
        ("evidence.html", "survey"),
        ("risks.html", "risks"),
        ("case.html", "cost"),
        ("case.html", "payback"),
    ],
)
def test_charts_are_inline_svg_with_a_text_alternative(
    built: BuildReport, page: str, chart: str
) -> None:
    raw = (built.out / REFERENCE.name / page).read_text(encoding="utf-8")
    svg = re.search(rf'<svg class="bc-chart bc-chart--{chart}".*?</svg>', raw, re.S)
    assert svg, f"no {chart} chart on {page}"
    assert re.search(
        r'role="img" aria-labelledby="[^"]+"><title id="[^"]+">[^<]+</title><desc', svg[0]
    )


@pytest.mark.pdf
def test_the_handout_carries_the_charts(built: BuildReport) -> None:
    _, text = pdf_text(built.out / REFERENCE.name / "handout.pdf")
    # The risk chart is the first to give way when two pages would not hold it all.
    for words in ["Paid back after 9.9 months", "Share of respondents", "Weeks from the start",
                  "The business case", "29%"]:  # fmt: skip
        assert words in text


def test_ranges_lead_with_the_conservative_case(built: BuildReport) -> None:
    folder = PROPOSALS / "sales-enablement-journey"
    start = page_text(built.out / folder.name / "index.html")
    # the headline rounds: $1,077,500 to three significant figures, 8.6 months up to 9
    assert "Approve $400,000: a gain of $1,080,000 a year, paid back in 9 months" in start
    assert "benefits $890,000 + losses avoided $187,500; conservative case" in start
    case_page = page_text(built.out / folder.name / "case.html")
    assert "Conservative Likely Optimistic" in case_page
    assert "the support is worth" in case_page


def test_stats_computed_from_survey_data_say_so(built: BuildReport) -> None:
    evidence = page_text(built.out / "support-coaching-programme" / "evidence.html")
    assert (
        "44% of agents are unsure how to settle a billing dispute without escalating it: "
        "computed from responses.csv" in evidence
    )


def test_build_one_is_the_pipeline_as_a_library(workspace: Path) -> None:
    """`pipeline.build_one`, as the README offers it: one proposal through every stage, into
    the output folder whose lock the caller holds, and the same output `build` makes."""
    from buildcase.engines import InlineEngines
    from buildcase.pipeline import Options, build_one
    from buildcase.write.staging import locked_output

    folder = write_proposal(workspace, MINIMAL)
    out = workspace / "library"
    with locked_output(out):
        built = build_one(folder, Options(workspace, out), InlineEngines())
    assert built.slug == "p" and built.folder == out / "p"
    assert "Onboarding training" in (out / "p" / "index.html").read_text(encoding="utf-8")
    assert (out / "p" / "handout.pdf").read_bytes().startswith(b"%PDF")
    report = build([folder], workspace, workspace / "site")
    assert [b.slug for b in report.built] == ["p"]
    assert (workspace / "site" / "p" / "handout.pdf").read_bytes() == (
        out / "p" / "handout.pdf"
    ).read_bytes()
