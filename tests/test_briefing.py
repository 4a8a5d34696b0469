"""The site as an executive briefing: the decision first, every total reconciled where two
could be read against each other, and no box that argues against the case by being empty.

The examples are built once; the proposals written here each change one thing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from buildcase.commands.build import build

from .conftest import MINIMAL, PROPOSALS, ROOT, is_approved, run_cli, write_proposal
from .test_editions import pdf_of, text_of

EXAMPLES = sorted(p for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())
EMPTY_STATES = re.compile(
    r"None yet|None named|\b0 benefits\b|\b0 risks\b|not tracked|Evidence\s*[¹²³⁴⁵⁶⁷⁸⁹\d]+\s*$"
)

MONEY = """\
currency: GBP
request:
  budget: 410000
  participants: 300
  duration: 20 weeks
  decision_by: 2027-02-01
  pilot:
    participants: 30
    duration: 6 weeks
    budget: 20000
    included: false
costs:
  - item: Design
    amount: 150000
  - item: Delivery
    amount: 240000
benefits:
  - title: New starters stay longer
    goals: [retention]
    annual_value: 600000
risks:
  - title: New starters leave
    likelihood: 30%
    impact: 100000
    reduction: 50%
"""


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("examples")
    report = build(EXAMPLES, ROOT, out)
    assert report.failed == [], report.failed
    return out


def with_money(workspace: Path) -> Path:
    base = MINIMAL.split("benefits:")[0]
    return write_proposal(workspace, base + MONEY)


@pytest.mark.slow
def test_every_example_leads_with_the_decision(examples: Path) -> None:
    for folder in EXAMPLES:
        start = text_of(examples / folder.name / "index.html")
        title = re.search(
            r"<h1[^>]*>(.*?)</h1>", (examples / folder.name / "index.html").read_text()
        )
        assert title is not None
        if is_approved(folder):  # format 1.2: the commitments lead, money is not asked
            assert title[1].startswith("Budget approved on "), title[1]
            assert "What we need from each department head" in start, folder.name
            assert "Approve" not in start and "The ask" not in start, folder.name
            continue
        assert re.match(
            r"Approve [$£€]?[\d,]+: a gain of [$£€]?[\d,]+\sa\syear, paid back in \d+\smonths",
            title[1],
        )
        for label in ("The ask", "Gain", "Paid back in", "Cost of doing nothing"):
            assert label.upper() in start.upper(), (folder.name, label)


@pytest.mark.slow
def test_every_department_page_leads_with_the_decision_and_says_whose_figures(
    examples: Path,
) -> None:
    pages = sorted(examples.glob("*/audience-*.html"))
    assert len(pages) >= 3
    for page in pages:
        text = text_of(page)
        if is_approved(PROPOSALS / page.parent.name):  # their asks lead; no money asked
            assert text.index("What we need from you") < text.index("What you care about")
            assert "The ask" not in text and "Approve" not in text, page.name
            continue
        assert "The ask" in text and "Paid back in" in text, page.name
        assert "The whole programme" in text, page.name  # the gain is not theirs alone
        assert 'href="handout-' in page.read_text()


@pytest.mark.slow
@pytest.mark.pdf
def test_no_example_shows_an_empty_state(examples: Path) -> None:
    found = []
    for page in examples.glob("*/*.html"):
        for line in text_of(page).split(" · "):
            if m := EMPTY_STATES.search(line):
                found.append((page.name, m[0]))
    for pdf in examples.glob("*/*.pdf"):
        text = pdf_of(pdf)[1]
        for m in re.finditer(
            r"None yet|None named|(?<![\d,.])0 (?:benefits|risks)\b|not tracked", text
        ):
            found.append((pdf.name, m[0]))
    assert found == []


@pytest.mark.slow
def test_a_budget_above_its_costs_and_a_pilot_on_top_are_said_beside_the_ask(
    workspace: Path,
) -> None:
    folder = with_money(workspace)
    report = build([folder], workspace, workspace / "site")
    assert report.failed == []
    text = text_of(workspace / "site" / "p" / "index.html")
    # The ask is the budget and the pilot on top of it: 410,000 + 20,000.
    assert "Approve £430,000" in text
    assert "(£20,000, on top of the budget)" in text
    assert (
        "The budget of £410,000 holds £20,000 beyond the itemised costs of £390,000; "
        "the return is computed on the itemised costs." in text
    )
    costs = text_of(workspace / "site" / "p" / "costs.html")  # said beside the items too
    assert "holds £20,000 beyond the itemised costs of £390,000" in costs
    assert "£20,000, on top of the budget" in costs


@pytest.mark.slow
def test_the_return_is_reconciled_with_the_benefits_and_the_losses_avoided(
    workspace: Path,
) -> None:
    folder = with_money(workspace)
    assert build([folder], workspace, workspace / "site").failed == []
    text = text_of(workspace / "site" / "p" / "index.html")
    # 600,000 of benefits + 30% x 50% x 100,000 = 15,000 of losses avoided.
    assert "benefits £600,000 + losses avoided £15,000" in text
    assert "with the losses training avoids (£15,000), the gain is £615,000 a year" in text
    assert "training avoids £15,000 of it, counted in the return" in text


@pytest.mark.slow
def test_the_cost_of_doing_nothing_is_said_not_to_be_in_the_return(examples: Path) -> None:
    text = text_of(examples / "social-media-training" / "index.html")
    assert "expected loss; not counted in the return" in text


@pytest.mark.slow
def test_the_site_has_a_meta_description_from_the_summary(examples: Path) -> None:
    page = (examples / "social-media-training" / "index.html").read_text()
    m = re.search(r'<meta name="description" content="([^"]*)"', page)
    assert m is not None and m[1].startswith("Our own survey shows that two in three")


def test_check_warns_when_an_audience_would_get_an_empty_column(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(
        workspace,
        MINIMAL.replace(
            "  - title: New starters stay longer",
            "  - id: stay\n    title: New starters stay longer",
        )
        + "audiences:\n  - id: finance\n    title: Finance\n    cares_about: [cost]\n"
        "    message: It pays back.\n    benefits: [stay]\n",
    )
    code, _, err = run_cli(capsys, "check", "proposals/p")
    assert code == 0
    assert (
        "audience 'finance' gets no risk, so their page and handout leave out the risk if "
        "we don't" in err
    )
    assert "proposal.yaml:" in err  # located


@pytest.mark.slow
def test_the_portfolio_is_set_in_the_sites_own_typeface(examples: Path) -> None:
    index = (examples / "index.html").read_text()
    fonts = re.findall(r'url\("([^"]+\.otf)"\)', index)
    assert fonts and all((examples / font).is_file() for font in fonts)
    assert 'font-family: "Inter"' in index


@pytest.mark.slow
@pytest.mark.pdf
def test_a_site_url_puts_the_address_and_a_qr_code_on_the_handout(workspace: Path) -> None:
    config = (ROOT / "mkdocs.yml").read_text() + "site_url: https://proposals.example.org/\n"
    (workspace / "mkdocs.yml").write_text(config)
    folder = write_proposal(workspace, MINIMAL)
    assert build([folder], workspace, workspace / "site").failed == []
    text = pdf_of(workspace / "site" / "p" / "handout.pdf")[1]
    assert "proposals.example.org/p/" in text
