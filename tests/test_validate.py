"""Stage 2: one test per rule of the format, each asserting file, line, column and message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from buildcase.commands.check import check_proposal
from buildcase.errors import ProposalInvalid
from buildcase.load import load_proposal
from buildcase.validate import validate_proposal

from .conftest import MINIMAL, write_proposal

FULL_EXTRAS = """\
survey:
  title: Pulse
  conducted: 2026-09
  respondents: 200
  population: 1000
  stats:
    - id: asked
      label: are asked
      value: 65%
evidence:
  - id: study
    label: of firms
    value: 40%
    source: A study
    year: 2025
"""


def problems(folder: Path, strict: bool = False) -> list[str]:
    """Every problem as printed, with the folder's path cut off."""
    try:
        _, warnings = validate_proposal(load_proposal(folder), strict=strict)
        found = warnings
    except ProposalInvalid as e:
        found = e.problems
    return [str(p).split("/p/", 1)[1] for p in found]


def errors_in(workspace: Path, text: str, **files: str) -> list[str]:
    return [p for p in problems(write_proposal(workspace, text, **files)) if ": error: " in p]


def test_the_minimal_proposal_is_valid(workspace: Path) -> None:
    assert problems(write_proposal(workspace, MINIMAL)) == []


def test_unknown_key_names_the_nearest_and_the_allowed(workspace: Path) -> None:
    text = MINIMAL.replace("benefits:", "benefit:")
    found = errors_in(workspace, text)
    # Only the unknown key: "benefits is missing" would say the same thing twice.
    assert found == [
        "proposal.yaml:11:1: error: benefit: unknown key 'benefit'; did you mean 'benefits'? "
        "Allowed here: title, organization, prepared_by, date, summary, currency, paper, language, request, need, "
        "financials, champion, campaign, branding, survey, evidence, goals, benefits, risks, costs, audiences, "
        "objections, plan, behaviours, support, measures, results, notes"
    ]


def test_unknown_key_with_no_near_miss(workspace: Path) -> None:
    text = MINIMAL + "colour: blue\n"
    assert errors_in(workspace, text)[0].startswith(
        "proposal.yaml:18:1: error: colour: unknown key 'colour'. Allowed here: title, "
    )


def test_unknown_key_inside_a_list_entry(workspace: Path) -> None:
    text = MINIMAL.replace("    likelihood: 30%", "    likelyhood: 30%")
    assert errors_in(workspace, text) == [
        "proposal.yaml:16:5: error: risks[0].likelyhood: unknown key 'likelyhood'; did you mean "
        "'likelihood'? Allowed here: id, title, detail, goals, evidence, likelihood, impact, mitigation, reduction, "
        "headline, notes"
    ]


@pytest.mark.parametrize(
    ("field", "line"),
    [("title", 1), ("organization", 2), ("date", 6), ("summary", 7)],
)
def test_each_required_scalar_missing(workspace: Path, field: str, line: int) -> None:
    lines = MINIMAL.splitlines(keepends=True)
    text = "".join(lines[: line - 1] + lines[line:])
    assert errors_in(workspace, text) == [
        f"proposal.yaml:1:1: error: {field}: required field '{field}' is missing"
    ]


@pytest.mark.parametrize("section", ["goals", "benefits", "risks", "prepared_by"])
def test_each_required_section_missing(workspace: Path, section: str) -> None:
    kept, skipping = [], False
    for line in MINIMAL.splitlines(keepends=True):
        if not line.startswith(" "):
            skipping = line.startswith(f"{section}:")
        if not skipping:
            kept.append(line)
    found = errors_in(workspace, "".join(kept))
    assert f"proposal.yaml:1:1: error: {section}: required field '{section}' is missing" in found


def test_required_field_missing_inside_an_entry_points_at_the_entry(workspace: Path) -> None:
    text = MINIMAL.replace("    title: Keep our people\n", "")
    assert errors_in(workspace, text) == [
        "proposal.yaml:9:5: error: goals[0].title: required field 'title' is missing in goals[0]"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("likelihood: 30%", "likelihood: 30", "16:17: error: risks[0].likelihood: expected a percent such as '30%', found 30"),
        ("likelihood: 30%", "likelihood: 130%", "16:17: error: risks[0].likelihood: a percent must be between 0% and 100%, found 130%"),
        ("likelihood: 30%", "likelihood: -5%", "16:17: error: risks[0].likelihood: a percent must be between 0% and 100%, found -5%"),
        ("impact: 10000", "impact: lots", "17:13: error: risks[0].impact: expected a plain number such as 184000 (in the proposal's currency), found 'lots'"),
        ("impact: 10000", "impact: .nan", "17:13: error: risks[0].impact: expected an amount of money, found .nan, which is not a number"),
        ("impact: 10000", "impact: .inf", "17:13: error: risks[0].impact: expected an amount of money, found .inf, which is not a number"),
        ("impact: 10000", "impact: -3", "17:13: error: risks[0].impact: an amount cannot be negative, found -3"),
        ("date: 2026-11-01", "date: 2026-13-45", "6:7: error: date: 2026-13-45 is not a date on the calendar"),
        ("date: 2026-11-01", "date: next week", "6:7: error: date: expected a date such as 2026-11-22 or 2026-09, found 'next week'"),
        ("  - id: retention", "  - id: Retention Goal", ("9:9: error: goals[0].id: an id is lowercase letters, digits and '-' such as 'retention-goal'; found 'Retention Goal'",
                                                      "13:13: error: benefits[0].goals[0]: no goal has the id 'retention'; did you mean the goal written 'Retention Goal'? Write its id as 'retention-goal' (ids are lowercase letters, digits and '-'), and cite it so")),
        ("title: Onboarding training", "title: [a, b]", "1:8: error: title: expected text, found a list"),
        ("title: Onboarding training", "title: true", "1:8: error: title: expected text, found true"),
        ("goals: [retention]", "goals: []", "13:12: error: benefits[0].goals: must list at least one entry"),
        ("prepared_by:\n  name: Ann Lee\n  role: L&D lead", "prepared_by: Ann Lee", "3:14: error: prepared_by: expected a mapping of fields (key: value), found 'Ann Lee'"),
    ],
)  # fmt: skip
def test_each_value_kind_wrong(workspace: Path, old: str, new: str, expected: str) -> None:
    assert old in MINIMAL
    expected_all = expected if isinstance(expected, tuple) else (expected,)
    assert errors_in(workspace, MINIMAL.replace(old, new)) == [
        f"proposal.yaml:{e}" for e in expected_all
    ]


def test_request_kinds(workspace: Path) -> None:
    text = MINIMAL + (
        "request:\n  budget: 1000\n  participants: -4\n  duration: soon\n"
        "  pilot:\n    participants: 2.5\n    duration: 0 weeks\n  decision_by: 2027-01\n"
    )
    assert errors_in(workspace, text) == [
        "proposal.yaml:20:17: error: request.participants: a count cannot be negative, found -4",
        "proposal.yaml:21:13: error: request.duration: expected a duration such as '6 weeks' or '3 months', found 'soon'",
        "proposal.yaml:23:19: error: request.pilot.participants: expected a whole number such as 1200, found 2.5",
        "proposal.yaml:24:15: error: request.pilot.duration: a duration must be longer than zero, found 0 weeks",
    ]


def test_friendlier_spellings_are_accepted(workspace: Path) -> None:
    text = MINIMAL.replace("goals: [retention]", "goals: retention") + (
        "currency: eur\nrequest:\n  budget: 184_000\n  duration: 3 mos\n"
    )
    assert problems(write_proposal(workspace, text)) == []


def test_duplicate_ids(workspace: Path) -> None:
    text = MINIMAL.replace(
        "    title: Keep our people\n",
        "    title: Keep our people\n  - id: retention\n    title: Again\n",
    )
    assert errors_in(workspace, text) == [
        "proposal.yaml:11:9: error: goals[1].id: duplicate id 'retention'; it is already used on line 9"
    ]


def test_dangling_references_suggest_the_nearest(workspace: Path) -> None:
    text = MINIMAL.replace("goals: [retention]", "goals: [retension]")
    assert errors_in(workspace, text) == [
        "proposal.yaml:13:13: error: benefits[0].goals[0]: no goal has the id 'retension'; "
        "did you mean 'retention'? Known: retention"
    ]


def test_evidence_references_reach_stats_and_research(workspace: Path) -> None:
    text = MINIMAL.replace(
        "goals: [retention]", "goals: [retention]\n    evidence: [asked, study, nope]"
    )
    found = errors_in(workspace, text + FULL_EXTRAS)
    assert found == [
        "proposal.yaml:14:30: error: benefits[0].evidence[2]: no stat or evidence has the id "
        "'nope'; Known: asked, study"
    ]


def test_audience_references(workspace: Path) -> None:
    text = MINIMAL.replace(
        "  - title: New starters leave", "  - id: leave\n    title: New starters leave"
    )
    text += (
        "audiences:\n  - id: sales\n    title: Head of Sales\n    cares_about: quota\n"
        "    message: Hi\n    risks: [leave, gone]\n"
    )
    assert errors_in(workspace, text) == [
        "proposal.yaml:24:20: error: audiences[0].risks[1]: no risk has the id 'gone'; Known: leave"
    ]


def test_respondents_above_population_is_an_error(workspace: Path) -> None:
    text = MINIMAL + FULL_EXTRAS.replace("respondents: 200", "respondents: 2000")
    assert errors_in(workspace, text) == [
        "proposal.yaml:21:16: error: survey.respondents: 2,000 respondents is more than the population of 1,000"
    ]


def test_stat_and_evidence_may_not_share_an_id(workspace: Path) -> None:
    text = MINIMAL + FULL_EXTRAS.replace("id: study", "id: asked")
    assert errors_in(workspace, text) == [
        "proposal.yaml:28:9: error: evidence[0].id: id 'asked' is also a survey stat's id; "
        "benefits and risks cite both by id, so they must differ"
    ]


def test_every_error_is_reported_at_once(workspace: Path) -> None:
    text = MINIMAL.replace("likelihood: 30%", "likelihood: 30").replace(
        "date: 2026-11-01", "date: x"
    )
    assert len(errors_in(workspace, text)) == 2


# --- warnings ------------------------------------------------------------------------------


def test_warnings_of_the_format(workspace: Path) -> None:
    text = (
        MINIMAL.replace("    likelihood: 30%\n    impact: 10000\n", "")
        + "  - title: <b>Bold</b> claim\n    likelihood: 10%\n"
    )
    text = text.replace(
        "    title: Keep our people\n",
        "    title: Keep our people\n  - id: unserved\n    title: Alone\n",
    )
    text += FULL_EXTRAS.replace("  respondents: 200\n", "").replace("year: 2025", "year: 2019")
    text += "request:\n  budget: 5000\ncosts:\n  - item: Design\n    amount: 4000\n"
    assert problems(write_proposal(workspace, text)) == [
        "proposal.yaml:11:5: warning: goals[1]: no benefit serves the goal 'unserved'",
        "proposal.yaml:17:5: warning: risks[0]: this risk has neither likelihood nor impact, so its size cannot be shown",
        "proposal.yaml:18:12: warning: risks[1].title: raw HTML is not allowed in text; it is shown as plain text",
        "proposal.yaml:25:7: warning: survey.stats[0]: stat 'asked' has no number of respondents; give the survey's `respondents` or the stat's own",
        "proposal.yaml:33:11: warning: evidence[0].year: evidence 'study' is from 2019, 7 years before the proposal; executives may ask for something more recent",
        "proposal.yaml:37:3: warning: costs: the costs add up to 4,000 USD, but the request is for 5,000 USD",
    ]  # fmt: skip


def test_strict_makes_warnings_errors(workspace: Path) -> None:
    text = MINIMAL.replace("    likelihood: 30%\n    impact: 10000\n", "")
    folder = write_proposal(workspace, text)
    assert problems(folder) == [
        "proposal.yaml:15:5: warning: risks[0]: this risk has neither likelihood nor impact, so its size cannot be shown"
    ]
    with pytest.raises(ProposalInvalid) as refused:  # as `check --strict` settles them
        check_proposal(folder, strict=True, workspace=workspace)
    assert [str(p).split("/p/", 1)[1] for p in refused.value.problems] == [
        "proposal.yaml:15:5: error: risks[0]: this risk has neither likelihood nor impact, so its size cannot be shown"
    ]


# --- ranges, adjustments and survey data ---------------------------------------------------


def test_a_range_whose_low_is_above_its_high(workspace: Path) -> None:
    text = MINIMAL.replace("impact: 10000", "impact: {low: 30000, likely: 20000, high: 10000}")
    assert errors_in(workspace, text) == [
        "proposal.yaml:17:13: error: risks[0].impact: a range needs low <= likely <= high; here low is 30000, likely 20000 and high 10000"
    ]


def test_a_range_names_its_wrong_point(workspace: Path) -> None:
    text = MINIMAL.replace(
        "likelihood: 30%", "likelihood: {low: 10%, likely: 20, high: 30%, best: 5%}"
    )
    assert errors_in(workspace, text) == [
        "proposal.yaml:16:17: error: risks[0].likelihood: a range is written as low, likely and high; unknown: best"
    ]
    text = MINIMAL.replace("likelihood: 30%", "likelihood: {low: 10%, likely: 20, high: 30%}")
    assert errors_in(workspace, text) == [
        "proposal.yaml:16:17: error: risks[0].likelihood: likely: expected a percent such as '20%', found 20"
    ]


def test_adjustments_are_percents(workspace: Path) -> None:
    text = MINIMAL.replace(
        "    goals: [retention]\n", "    goals: [retention]\n    attribution: 0.5\n"
    )
    assert errors_in(workspace, text) == [
        "proposal.yaml:14:18: error: benefits[0].attribution: expected a percent; for a share of 0.5, write '50%'"
    ]


SURVEY_WITH_DATA = """\
survey:
  title: Pulse
  conducted: 2026-09
  population: 1000
  data: answers.csv
  stats:
    - id: asked
      label: are asked
      column: Q1
      answers: [Yes, Often]
"""


def write_answers(folder: Path, rows: list[str]) -> None:
    (folder / "answers.csv").write_text("id;Q1;Q2\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_stats_are_computed_from_the_survey_data(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + SURVEY_WITH_DATA)
    write_answers(
        folder, [f"{i};{a};x" for i, a in enumerate(["Yes", "often", "No", "No", ""] * 8)]
    )
    proposal, warnings = validate_proposal(load_proposal(folder))
    stat = proposal.survey.stats[0]
    assert (str(stat.value), stat.respondents) == ("50%", 32)  # 16 of 32 non-blank answers
    assert warnings == []


def test_a_typed_value_that_disagrees_with_the_data(workspace: Path) -> None:
    text = MINIMAL + SURVEY_WITH_DATA + "      value: 65%\n"
    folder = write_proposal(workspace, text)
    write_answers(folder, [f"{i};{a};x" for i, a in enumerate(["Yes", "No"] * 20)])
    assert problems(folder) == [
        "proposal.yaml:28:14: error: survey.stats[0].value: the data give 50% (n = 40 in answers.csv), not 65%"
    ]


def test_a_missing_column_names_the_nearest(workspace: Path) -> None:
    folder = write_proposal(
        workspace, MINIMAL + SURVEY_WITH_DATA.replace("column: Q1", "column: q1")
    )
    write_answers(folder, ["1;Yes;x"])
    assert problems(folder) == [
        "proposal.yaml:26:15: error: survey.stats[0].column: answers.csv has no column 'q1'; did you mean 'Q1'? Columns: id, Q1, Q2"
    ]


def test_survey_data_must_be_inside_the_proposal(workspace: Path) -> None:
    folder = write_proposal(
        workspace, MINIMAL + SURVEY_WITH_DATA.replace("data: answers.csv", "data: ../../secret.csv")
    )
    assert problems(folder) == [
        "proposal.yaml:22:9: error: survey.data: '../../secret.csv' is outside the proposal folder"
    ]
    folder = write_proposal(workspace, MINIMAL + SURVEY_WITH_DATA, slug="q")
    assert [str(p).split("/q/")[1] for p in validate_errors(folder)] == [
        "proposal.yaml:22:9: error: survey.data: no file 'answers.csv' in the proposal folder"
    ]


def validate_errors(folder: Path) -> list[object]:
    with pytest.raises(ProposalInvalid) as caught:
        validate_proposal(load_proposal(folder))
    return caught.value.errors


def test_a_stat_needs_a_value_or_a_column(workspace: Path) -> None:
    text = MINIMAL + FULL_EXTRAS.replace("      value: 65%\n", "")
    assert errors_in(workspace, text) == [
        "proposal.yaml:24:7: error: survey.stats[0].value: required field 'value' is missing in survey.stats[0] (or give a `column` of the survey's data)"
    ]


def test_small_samples_are_warned_about_unless_everyone_answered(workspace: Path) -> None:
    # A check on the computed figure's n, after compute (buildcase/compute/checks.py).
    def checked(folder: Path) -> list[str]:
        return [str(p).split("/p/", 1)[1] for p in check_proposal(folder)[1]]

    text = MINIMAL + FULL_EXTRAS.replace("respondents: 200", "respondents: 20")
    assert checked(write_proposal(workspace, text)) == [
        "proposal.yaml:24:7: warning: survey.stats[0]: stat 'asked' rests on 20 respondents; below 30, its margin of error is too wide to lean on"
    ]
    census = FULL_EXTRAS.replace("respondents: 200", "respondents: 20").replace(
        "population: 1000", "population: 20"
    )
    assert checked(write_proposal(workspace, MINIMAL + census, slug="census")) == []


def test_the_application_baseline_must_be_a_known_percent(workspace: Path) -> None:
    text = (
        MINIMAL
        + FULL_EXTRAS
        + "financials:\n  application_rate: 60%\n  application_baseline: studdy\n"
    )
    assert errors_in(workspace, text) == [
        "proposal.yaml:35:25: error: financials.application_baseline: no stat or evidence has the id 'studdy'; did you mean 'study'? Known: asked, study"
    ]


# --- limits ------------------------------------------------------------------------------


def _image(kind: str, width: int, height: int) -> bytes:
    """A real image of `kind`, made by Pillow, as a logo would be saved."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (11, 110, 79)).save(out, kind)
    return out.getvalue()


def _huge_header(kind: str) -> bytes:
    """A small file whose header claims 5000 x 5000 pixels, as the format defines it."""
    import struct

    from .test_bad_inputs import png_header

    if kind == "png":
        return png_header(5000, 5000)
    if kind == "jpeg":  # SOI, a JFIF segment, then a start-of-frame: precision, height, width
        jfif = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
        sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 5000, 5000, 3) + b"\x01\x11\0" * 3
        return b"\xff\xd8" + jfif + sof + b"\xff\xd9"
    if kind == "gif":  # a 10 x 10 screen holding a 5000 x 5000 frame
        frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 5000, 5000, 0) + b"\x02\x00"
        return b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0, 0, 0) + frame + b"\x3b"
    body = b"VP8X" + struct.pack("<I", 10) + b"\0" * 4 + (4999).to_bytes(3, "little") * 2
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


SUFFIX = {"png": "png", "jpeg": "jpg", "gif": "gif", "webp": "webp"}


@pytest.mark.parametrize("kind", list(SUFFIX))
def test_a_raster_logo_is_measured_from_its_header(workspace: Path, kind: str) -> None:
    text = MINIMAL + f"branding:\n  logo: logo.{SUFFIX[kind]}\n"
    folder = write_proposal(workspace, text)
    (folder / f"logo.{SUFFIX[kind]}").write_bytes(_image(kind.upper(), 64, 40))
    assert problems(folder) == []
    (folder / f"logo.{SUFFIX[kind]}").write_bytes(_huge_header(kind))
    assert problems(folder) == [
        f"proposal.yaml:19:9: error: branding.logo: 'logo.{SUFFIX[kind]}' is 5,000 x 5,000 "
        "pixels; a logo is at most 4,096 x 4,096 (16 megapixels)"
    ]


def test_a_raster_logo_too_large_in_bytes(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + "branding:\n  logo: logo.png\n")
    (folder / "logo.png").write_bytes(_image("PNG", 8, 8) + b"\0" * 1_000_000)
    assert problems(folder) == [
        "proposal.yaml:19:9: error: branding.logo: 'logo.png' is larger than 1,000,000 bytes"
    ]


def test_a_logo_with_a_hard_link_is_refused(workspace: Path, tmp_path: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + "branding:\n  logo: logo.png\n")
    (tmp_path / "elsewhere.png").write_bytes(_image("PNG", 8, 8))
    os.link(tmp_path / "elsewhere.png", folder / "logo.png")
    assert problems(folder) == [
        "proposal.yaml:19:9: error: branding.logo: 'logo.png' is a hard link: the same file "
        "under another name, maybe outside the proposal folder; copy the file into the folder "
        "instead"
    ]


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (
            '<image href="https://example.com/a.png"/>',
            "a link to 'https://example.com/a.png', outside the file",
        ),
        (
            '<rect fill="url(https://example.com/p.svg#g)"/>',
            "a url() or CSS that loads a file, in the attribute fill=",
        ),
        (
            '<rect style="fill: url(//example.com/x)"/>',
            "a url() or CSS that loads a file, in the attribute style=",
        ),
        (
            '<a xlink:href="#x"><animate attributeName="xlink:href" to="javascript:alert(1)"/></a>',
            "an animation that changes xlink:href",
        ),
        ("<g><SCRIPT>alert(1)</SCRIPT></g>", "a <script> element"),
        ('<html:iframe xmlns:html="http://www.w3.org/1999/xhtml"/>', "an <iframe> element"),
        ('<g id="a"><use href="#a"/></g>', "a <use> that draws itself"),
    ],
)
def test_an_svg_logo_may_not_run_load_or_repeat_without_end(
    workspace: Path, body: str, found: str
) -> None:
    folder = write_proposal(workspace, MINIMAL + "branding:\n  logo: logo.svg\n")
    (folder / "logo.svg").write_text(f"{SVG_OPEN}\n{body}\n</svg>\n", encoding="utf-8")
    (message,) = problems(folder)
    assert message.startswith("logo.svg:2:")
    assert f"error: branding.logo: the logo holds {found}; " in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "<html><body>hi</body></html>",
            "logo.svg:1:1: error: branding.logo: the logo holds <html> where an SVG image starts with <svg>",
        ),
        (
            '<?xml-stylesheet href="https://example.com/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "logo.svg:1:1: error: branding.logo: the logo holds a stylesheet instruction <?xml-stylesheet?>",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><g></svg>',
            "logo.svg:1:46: error: branding.logo: the logo holds XML that is not well-formed (mismatched tag)",
        ),
    ],
)
def test_an_svg_logo_must_be_an_svg(workspace: Path, content: str, message: str) -> None:
    folder = write_proposal(workspace, MINIMAL + "branding:\n  logo: logo.svg\n")
    (folder / "logo.svg").write_text(content, encoding="utf-8")
    (found,) = problems(folder)
    assert found.startswith(message)


def test_one_more_entry_than_the_limit_is_refused(workspace: Path) -> None:
    benefit = "  - title: Another\n    goals: [retention]\n"
    text = MINIMAL.replace("risks:\n", benefit * 24 + "risks:\n")  # 25: the limit
    assert errors_in(workspace, text) == []
    assert errors_in(workspace, text.replace("risks:\n", benefit + "risks:\n")) == [
        "proposal.yaml:12:3: error: benefits: 26 entries; at most 25: the two-page handout lists every one"
    ]


def test_a_line_is_shorter_than_a_paragraph(workspace: Path) -> None:
    text = MINIMAL.replace("role: L&D lead", "role: " + "r" * 301)
    assert errors_in(workspace, text) == [
        "proposal.yaml:5:9: error: prepared_by.role: this text is 301 characters long; keep it to 300 at most"
    ]


@pytest.mark.parametrize(
    ("date", "refused"),
    [("1969-12-31", True), ("1970-01", False), ("2099-12-31", False), ("2100-01", True)],
)
def test_dates_keep_to_the_supported_range(workspace: Path, date: str, refused: bool) -> None:
    expected = (
        [
            f"proposal.yaml:6:7: error: date: {date} is outside the dates buildcase supports, "
            "1970-01-01 to 2099-12-31"
        ]
        if refused
        else []
    )
    assert errors_in(workspace, MINIMAL.replace("2026-11-01", date)) == expected


def test_a_survey_export_with_too_many_columns(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + SURVEY_WITH_DATA)
    header = ";".join(["id", "Q1", *(f"Q{i}" for i in range(2, 1001))])
    (folder / "answers.csv").write_text(header + "\n1;Yes\n", encoding="utf-8")
    assert problems(folder) == [
        "answers.csv:1:1: error: survey.data: 1,001 columns; a survey's data may have at most 1,000"
    ]


def test_a_survey_export_with_a_cell_past_the_csv_limit_is_located(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + SURVEY_WITH_DATA)
    write_answers(folder, ["1;Yes;x", "2;No;" + "y" * 200_000])
    assert problems(folder) == [
        "answers.csv:3:1: error: survey.data: this line cannot be read as CSV: field larger than field limit (131072)"
    ]


def test_a_survey_export_that_is_a_fifo_is_not_opened(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + SURVEY_WITH_DATA)
    os.mkfifo(folder / "answers.csv")
    assert problems(folder) == [
        "proposal.yaml:22:9: error: survey.data: 'answers.csv' is a named pipe (FIFO), not a file"
    ]


def test_a_message_and_its_quoted_value_are_cut_short() -> None:
    from buildcase.errors import Location, Problem, quoted

    problem = Problem(
        Location(Path("p.yaml")), "f" * 1000, f"no goal has the id {quoted('x' * 10**6)}"
    )
    assert len(problem.field) == 120 and problem.field.endswith("...")
    assert problem.message == f"no goal has the id '{'x' * 77}...'"
    assert len(Problem(Location(Path("p.yaml")), "", "m" * 10**6).message) == 500
    assert "\n" not in Problem(Location(Path("p.yaml")), "", "a\nb").message


def test_a_proposal_with_hundreds_of_problems_lists_the_first_hundred_even_pickled() -> None:
    import pickle

    from buildcase.errors import Location, Problem

    many = [Problem(Location(Path("p.yaml"), line), "", "wrong") for line in range(1, 301)]
    error = ProposalInvalid(many)
    assert len(error.problems) == 101
    assert (
        error.problems[-1].message == "200 more problems are not shown; fix these and check again"
    )
    assert pickle.loads(pickle.dumps(error)).problems == error.problems
