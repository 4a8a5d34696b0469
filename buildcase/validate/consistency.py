"""Part of stage 2, validate: the warnings a sceptical CFO would raise, each where one part
of a proposal does not square with another. Every figure may be valid on its own; these
ask whether they add up: the same outcome counted twice, a share written as a fraction, a
plan longer than the time asked for, a pilot dearer than the budget it is part of, a
result measured only after the return has been claimed.

Each rule is simple enough to state in its message, so the author can see why it fired
and decide; none stops the build.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from pydantic import BaseModel

from buildcase.errors import Problem, shorten
from buildcase.load import Path_, SourceMap, field_path
from buildcase.markup import plain_text
from buildcase.models.parsers import RANGE_POINTS, as_fraction, fraction_meant
from buildcase.models.quantities import Duration, Estimate, PartialDate, Percent
from buildcase.models.sections import Benefit, Proposal, Risk, Stat  # fmt: skip


def consistency_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    yield from double_counting(p, source)
    yield from fraction_warnings(p, source)
    yield from plan_length(p, source)
    yield from pilot_budget(p, source)
    yield from measures_after_horizon(p, source)


def warn(source: SourceMap, path: Path_, message: str, guide: str) -> Problem:
    """A warning at `path`, with the topic of `buildcase guide` that explains it: required,
    so that no warning leaves its author without the page that says what to do."""
    return Problem(source.value(path), field_path(path), message, "warning", guide)


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


# --- the same outcome counted twice ---------------------------------------------------------

# Words that say nothing about which outcome a title names, in English and German (a title
# is the author's, in any language the proposal is written in). Words of three letters or
# fewer are left out as well.
_STOP_WORDS = """
    about above after again against also among another back because been before being
    below between both could does doing down during each even ever every fewer from
    further have having here into just less like many more most much must never only
    other over same should since some such than that their them then there these they
    this those through under until upon very were what when where which while whom whose
    will with within without would your ours yours
    better worse become becomes keep keeps make makes made more less lower higher
    year years month months week weeks days
    train trains trained training employee employees people staff team teams
    aber alle als auch auf aus bei beim damit dann dass deine dem den der des die dies
    diese dieser doch durch eine einem einen einer eines für gegen hat haben hatte ihre
    immer jede jeder jedes kann können mehr mit nach nicht noch oder ohne sein seine sich
    sie sind über und unser unsere viel vom von vor weil weniger wenn werden wird wie wir
    zum zur zwischen jahr jahre monat monate woche wochen schulung mitarbeiter mitarbeitende
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_SUFFIXES = (
    "ations",
    "ation",
    "ings",
    "ing",
    "ers",
    "er",
    "ies",
    "ied",
    "es",
    "ed",
    "ly",
    "s",
    "e",
    "y",
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def stem(word: str) -> str:
    """A word without its common ending, so that `nurses` and `nurse`, `leaving` and
    `leave` meet: the first of -ations, -ation, -ings, -ing, -ers, -er, -ies, -ied, -es,
    -ed, -ly, -s, -e, -y that leaves at least three letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(title: str) -> dict[str, str]:
    """A title's significant words by stem (the first form met): words of four letters or
    more, not among the stop words."""
    words: dict[str, str] = {}
    for word in _WORD.findall(plain_text(title).casefold()):
        for part in word.split("-"):
            if len(part) >= 4 and part not in STOP_WORDS:
                words.setdefault(stem(part), part)
    return words


def overlap(benefit: Benefit, risk: Risk) -> list[str]:
    """Why a valued benefit and a risk training reduces may name the same outcome: they
    serve a goal in common and cite a figure in common, or their titles share a word."""
    reasons = []
    goals = [g for g in benefit.goals if g in risk.goals]
    cited = [e for e in benefit.evidence if e in risk.evidence]
    if goals and cited:
        reasons.append(
            f"both serve the goal{'s' if len(goals) > 1 else ''} {_quoted(goals)} "
            f"and cite {_quoted(cited)}"
        )
    ours, theirs = content_words(benefit.title), content_words(risk.title)
    shared = [s for s in ours if s in theirs]
    if shared:
        forms = [
            ours[s] if ours[s] == theirs[s] else f"{ours[s]}' and '{theirs[s]}" for s in shared
        ]
        reasons.append(
            f"their titles share the word{'s' if len(shared) > 1 else ''} {_quoted(forms)}"
        )
    return reasons


def double_counting(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """A benefit's annual value and the loss a risk's reduction avoids are both added to
    the gain; where they name the same outcome ("fewer nurses leave", "losing experienced
    nurses"), it is counted twice."""
    valued = [(j, b) for j, b in enumerate(p.benefits) if b.annual_value is not None]
    for i, risk in enumerate(p.risks):
        if risk.reduction is None or risk.likelihood is None or risk.impact is None:
            continue
        for j, benefit in valued:
            reasons = overlap(benefit, risk)
            if not reasons:
                continue
            name = (
                f"benefit '{benefit.id}'"
                if benefit.id
                else f"benefits[{j}] '{shorten(plain_text(benefit.title), 40)}'"
            )
            yield warn(
                source,
                ("risks", i, "reduction"),
                f"{name} and this risk may count the same outcome twice: "
                f"{', and '.join(reasons)}; the benefit's annual_value and the loss this "
                "reduction avoids are both added to the gain, so count it in one of them only",
                guide="double-counting",
            )


# --- shares written as fractions ---------------------------------------------------------------


def percents(value: object, path: Path_ = ()) -> Iterator[tuple[Path_, Percent]]:
    """Every percent the author wrote, with its field path (a range's points each under
    their own name); stats computed from the survey's data are not written, so left out."""
    if isinstance(value, Percent):
        yield path, value
    elif isinstance(value, Estimate):
        if value.is_range:
            for point in RANGE_POINTS:
                yield from percents(value.pick(point), (*path, point))
        else:
            yield from percents(value.likely, path)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if not (isinstance(value, Stat) and value.column and name == "value"):
                yield from percents(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from percents(item, (*path, i))


def fraction_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """A percent under 1% is most often a share written as a fraction with a % after it
    (`0.58%` for 58%); a measure's 0.58 is read as money, and may be a share too."""
    for path, percent in percents(p):
        if 0 < percent.value < 1:
            yield warn(
                source,
                path,
                f"{percent} is under 1%; if a share of {percent.value:g} was meant, "
                f"write '{fraction_meant(percent.value)}'",
                guide="adds-up",
            )
    for i, measure in enumerate(p.measures):
        for name in ("baseline", "target", "actual"):
            figure = getattr(measure, name)
            share = None if isinstance(figure, Percent) else as_fraction(figure)
            if share is not None:
                yield warn(
                    source,
                    ("measures", i, name),
                    f"{share:g} is read as an amount of money ({share:g} {p.currency}); "
                    f"if it is a share, write '{fraction_meant(share)}'",
                    guide="adds-up",
                )


# --- contradictions ------------------------------------------------------------------------


def _weeks(weeks: float) -> str:
    return str(Duration(round(weeks, 1), "week"))


def plan_length(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """The plan's phases end to end against the duration asked for (which the payback's
    ramp follows), within half a week: months and weeks do not divide evenly."""
    asked = p.request.duration if p.request else None
    if not p.plan or asked is None:
        return
    weeks = sum(phase.duration.weeks for phase in p.plan)
    if abs(weeks - asked.weeks) < 0.5:
        return
    units = {phase.duration.unit for phase in p.plan}
    if units == {asked.unit}:
        plan, request = (
            str(Duration(sum(ph.duration.amount for ph in p.plan), asked.unit)),
            str(asked),
        )
    else:
        plan = _weeks(weeks)
        request = str(asked) if asked.unit == "week" else f"{asked} ({_weeks(asked.weeks)})"
    yield warn(
        source,
        ("plan",),
        f"the plan's phases add up to {plan}, but request.duration is {request}; make them "
        "agree (the payback counts the gain as people are trained over request.duration)",
        guide="adds-up",
    )


def pilot_budget(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """A pilot inside the budget (`included`, the default) cannot cost more than it."""
    request = p.request
    pilot = request.pilot if request else None
    if request is None or pilot is None or pilot.budget is None or not pilot.included:
        return
    budget = request.budget
    if budget is None and p.costs:
        budget = sum(c.amount for c in p.costs)
    if budget is not None and pilot.budget > budget:
        yield warn(
            source,
            ("request", "pilot", "budget"),
            f"the pilot's {pilot.budget:,.0f} {p.currency} is more than the budget of "
            f"{budget:,.0f} {p.currency} it is part of; if the pilot comes on top of the "
            "budget, write `included: false` in request.pilot",
            guide="pilot-budget",
        )


# A measure's `when` is text, in English or German; these are the ways of writing it that
# say when it falls.
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "eighteen": 18, "twenty-four": 24,
    "ein": 1, "eine": 1, "einem": 1, "einen": 1, "einer": 1, "eines": 1, "zwei": 2,
    "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
    "zehn": 10, "elf": 11, "zwölf": 12, "achtzehn": 18, "vierundzwanzig": 24,
}  # fmt: skip
_UNIT_MONTHS = {"day": 12 / 365.25, "week": 12 / 52, "month": 1.0, "quarter": 3.0, "year": 12.0}
_AMOUNT = r"(\d+(?:[.,]\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(day|week|month|quarter|year)s?"
_ANCHOR = r"(?:the\s+)?(start|launch|pilot|roll[- ]?out|programme|program|training)\b"
_AFTER = re.compile(rf"\b{_AMOUNT}\s+{_UNIT}\s+(?:after|from|following)\s+{_ANCHOR}", re.I)
_FROM_START = re.compile(rf"^\s*(?:in|within|after)\s+{_AMOUNT}\s+{_UNIT}\s*$", re.I)
_END_OF = re.compile(rf"\b(?:the\s+)?end\s+of\s+{_ANCHOR}", re.I)
# German: `12 Monate nach dem Roll-out`, `in 18 Monaten`, `am Ende der Pilotphase`.
_UNITS_DE = {"tag": "day", "woche": "week", "monat": "month", "quartal": "quarter", "jahr": "year"}
_UNIT_DE = r"(tag|woche|monat|quartal|jahr)(?:es|en|e|n|s)?"
_ANCHOR_DE = (
    r"(start|beginn|launch|einführung|pilot\w*|roll[- ]?out\w*|programm\w*|schulung\w*|training\w*)"
)
_AFTER_DE = re.compile(
    rf"\b{_AMOUNT}\s+{_UNIT_DE}\s+nach\s+(?:(?:dem|der|des)\s+)?{_ANCHOR_DE}", re.I
)
_FROM_START_DE = re.compile(
    rf"^\s*(?:in|binnen|nach|innerhalb(?:\s+von)?)\s+{_AMOUNT}\s+{_UNIT_DE}\s*$", re.I
)
_END_OF_DE = re.compile(rf"\bende\s+(?:des|der)\s+{_ANCHOR_DE}", re.I)
_WAYS = ((_AFTER, _FROM_START, _END_OF), (_AFTER_DE, _FROM_START_DE, _END_OF_DE))
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONATE = (
    "januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "dezember",
)  # fmt: skip
_MONTH_NUMBERS = {name[:3]: i for names in (_MONTHS, _MONATE) for i, name in enumerate(names, 1)}
_NAMED_DATE = re.compile(
    r"\b("
    + "|".join(m for name in (*_MONTHS, *_MONATE) for m in (name, name[:3]))
    + r")\.?\s+(\d{4})\b",
    re.I,
)


def _anchor_months(p: Proposal, anchor: str) -> float | None:
    """Months from the start of the programme to the end of its pilot or of its roll-out."""
    anchor = anchor.lower()
    request = p.request
    if anchor in ("start", "launch", "beginn", "einführung"):
        return 0.0
    if anchor.startswith("pilot"):
        pilot = request.pilot if request else None
        return None if pilot is None else pilot.duration.weeks * _UNIT_MONTHS["week"]
    if request is not None and request.duration is not None:
        return request.duration.weeks * _UNIT_MONTHS["week"]
    if p.plan:
        return sum(ph.duration.weeks for ph in p.plan) * _UNIT_MONTHS["week"]
    return None


def _amount(text: str) -> float:
    return _NUMBER_WORDS.get(text.lower()) or float(text.replace(",", "."))


def _unit_months(unit: str) -> float:
    """A unit's months, the unit named in English or German (`jahr` of `Jahren`)."""
    return _UNIT_MONTHS[_UNITS_DE.get(unit.lower(), unit.lower())]


def _months_between(start: PartialDate, year: int, month: int, day: int | None) -> float:
    return (year - start.year) * 12 + (month - start.month) + ((day or 1) - (start.day or 1)) / 30


def when_in_months(p: Proposal, when: str) -> float | None:
    """When a measure falls, in months from the proposal's date (the programme counted as
    starting then), where its `when` says: a date (`2027-06`, `June 2027`), a time after
    the start, the pilot or the roll-out (`12 months after roll-out`, `in 18 months`), or
    the end of one (`end of roll-out`), in English or in German (`Juni 2027`, `12 Monate
    nach dem Roll-out`, `Ende der Pilotphase`). None where it does not say (`for new hires`)."""
    for after, from_start, end_of in _WAYS:
        if match := after.search(when):
            anchor = _anchor_months(p, match[3])
            if anchor is None:
                return None
            return anchor + _amount(match[1]) * _unit_months(match[2])
        if match := from_start.match(when):
            return _amount(match[1]) * _unit_months(match[2])
        if match := end_of.search(when):
            return _anchor_months(p, match[1])
    if match := _ISO_DATE.search(when):
        month = int(match[2])
        if 1 <= month <= 12:
            day = int(match[3]) if match[3] else None
            return _months_between(p.date, int(match[1]), month, day)
    if match := _NAMED_DATE.search(when):
        month = _MONTH_NUMBERS[match[1][:3].lower()]
        return _months_between(p.date, int(match[2]), month, None)
    return None


def measures_after_horizon(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """A result measured only after the horizon the return is counted over cannot confirm
    that return before it is claimed."""
    years = p.financials.horizon_years if p.financials else 1
    for i, measure in enumerate(p.measures):
        months = when_in_months(p, measure.when)
        if months is None or months <= 12 * years + 0.25:
            continue
        needed = math.ceil((months - 0.25) / 12)
        fix = (
            f"measure within it, or set `financials.horizon_years` to {needed}"
            if needed <= 10
            else "measure within it"
        )
        yield warn(
            source,
            ("measures", i, "when"),
            f"'{shorten(measure.when, 60)}' is about {months:.0f} months from the proposal's "
            f"date, after the {years}-year horizon the return is counted over; {fix}",
            guide="measure-in-time",
        )
