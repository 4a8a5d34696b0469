"""The format's warnings: what is doubtful rather than wrong (a stat without its number of
respondents, old evidence, raw HTML, a budget the costs do not reach). `--strict` makes them
errors. Those that need computed figures (a sample too small to lean on) are warned about
after compute (`buildcase.compute.checks`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from buildcase.errors import Problem
from buildcase.load import (
    LoadedProposal,
    Path_,
    SourceMap,
)
from buildcase.markup import refused_scheme
from buildcase.models.sections import CAUSES_FOR_MANAGERS, Proposal
from buildcase.validate.consistency import consistency_warnings, warn

EVIDENCE_MAX_AGE_YEARS = 5
_RAW_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_LINK_URL = re.compile(r"\]\(((?:[^()]|\([^()]*\))*)\)")  # one level of (), as pages


# --- warnings --------------------------------------------------------------------------


def advice_warnings(p: Proposal, loaded: LoadedProposal) -> Iterator[Problem]:
    source = loaded.source
    yield from _empty_audience_columns(p, source)
    if p.survey:
        for i, stat in enumerate(p.survey.stats):
            if stat.respondents is None and p.survey.respondents is None and not stat.column:
                yield warn(
                    source,
                    ("survey", "stats", i),
                    f"stat '{stat.id}' has no number of respondents; give the survey's "
                    "`respondents` or the stat's own",
                    guide="margin-of-error",
                )
    for i, entry in enumerate(p.evidence):
        age = p.date.year - entry.year
        if age > EVIDENCE_MAX_AGE_YEARS:
            yield warn(
                source,
                ("evidence", i, "year"),
                f"evidence '{entry.id}' is from {entry.year}, {age} years before the "
                "proposal; executives may ask for something more recent",
                guide="recent-evidence",
            )
    served = {goal for b in p.benefits for goal in b.goals}
    for i, goal in enumerate(p.goals):
        if goal.id not in served:
            yield warn(
                source,
                ("goals", i),
                f"no benefit serves the goal '{goal.id}'",
                guide="leader-goals",
            )
    for i, risk in enumerate(p.risks):
        if risk.likelihood is None and risk.impact is None:
            yield warn(
                source,
                ("risks", i),
                "this risk has neither likelihood nor impact, so its size cannot be shown",
                guide="cost-of-doing-nothing",
            )
    yield from _budget_warnings(p, source)
    yield from _talk_warnings(p, source)
    yield from impact_warnings(p, source)
    yield from consistency_warnings(p, source)
    yield from _raw_html_warnings(loaded.data, (), source)


def _talk_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """The deck's first and last words are the presenter's, not the figures': the title
    slide and the decision slide say them (`notes.opening`, `notes.closing`, format 1.1).
    A proposal without them presents well on paper and starts cold in the room. Asked of
    an author who writes speaker notes (on any item, or some of `notes`): one who writes
    none yet has a first draft, and the deck's computed talk track to present from."""
    notes = p.notes
    if notes is None and not _writes_notes(p):
        return
    for key, slide in (("opening", "title"), ("closing", "decision")):
        if notes is None or not (getattr(notes, key) or "").strip():
            yield warn(
                source,
                ("notes", key),
                f"no `notes.{key}`: the deck's {slide} slide gives the presenter nothing of "
                "their own to say; write a sentence or two",
                guide="format",
            )


def _writes_notes(p: Proposal) -> bool:
    """Whether the author gave speaker notes on any benefit, risk, goal, behaviour,
    audience or objection (format 1.1)."""
    items = [*p.benefits, *p.risks, *p.goals, *p.behaviours, *p.audiences, *p.objections]
    return any(getattr(item, "notes", None) for item in items)


def _budget_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    budget = p.request.budget if p.request else None
    if not p.costs or budget is None:
        return
    total = sum(c.amount for c in p.costs)
    if abs(total - budget) > 0.005:
        yield warn(
            source,
            ("costs",),
            f"the costs add up to {total:,.0f} {p.currency}, but the request is for "
            f"{budget:,.0f} {p.currency}",
            guide="adds-up",
        )


def _raw_html_warnings(data: Any, path: Path_, source: SourceMap) -> Iterator[Problem]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _raw_html_warnings(value, (*path, key), source)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _raw_html_warnings(value, (*path, i), source)
    elif isinstance(data, str) and _RAW_HTML.search(data):
        message = "raw HTML is not allowed in text; it is shown as plain text"
        yield warn(source, path, message, guide="values")
    elif isinstance(data, str) and (scheme := _refused_scheme(data)):
        message = f"a link to '{scheme}:' is not allowed; only its text is shown"
        yield warn(source, path, message, guide="values")


def _refused_scheme(text: str) -> str | None:
    """The first link scheme in `text` that the pages will drop, read as browsers read it."""
    return next((s for m in _LINK_URL.finditer(text) if (s := refused_scheme(m[1]))), None)


def _empty_audience_columns(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """A department head's page and handout show what is in it for them and the risk if we
    don't; a column with nothing in it is left out, and the author should know."""
    for i, a in enumerate(p.audiences):
        if a.benefits or a.risks:
            gets = {"benefit": bool(a.benefits), "risk": bool(a.risks)}
            how = "name them in the audience's `{kind}s`"
        elif a.goals:
            gets = {
                "benefit": any(set(b.goals) & set(a.goals) for b in p.benefits),
                "risk": any(set(r.goals) & set(a.goals) for r in p.risks),
            }
            how = "name them in the audience's `{kind}s`, or tie a {kind} to their goals"
        else:
            continue
        for kind, given in gets.items():
            if not given:
                column = "what's in it for them" if kind == "benefit" else "the risk if we don't"
                yield warn(
                    source,
                    ("audiences", i),
                    f"audience '{a.id}' gets no {kind}, so their page and handout leave out "
                    f"{column}; " + how.format(kind=kind),
                    guide="audiences",
                )


# --- version 1.1: the need, the impact map, the managers' part -------------------------

# Who manages, in the words a `support` entry is written in: English or German (the
# language of a proposal is its author's). German joins a role to its field in one word
# (`Teamleiterinnen`, `Abteilungsleitung`) and writes the plural or the feminine after it
# (`Teamleiter:innen`, `Vorgesetzten`). `-leitung` and `-leiter` are a manager's, except
# in the words that only look like one (`Anleitung`: instructions, `Einleitung`, an
# introduction, `Begleiter`: a companion), and `Führung` is, but not `Einführung` (the
# roll-out) nor `Durchführung` (the running of it).
_MANAGERS = re.compile(
    r"""
    \b(?:manager|managers|leader|leaders|lead|leads|supervisor|supervisors)\b
    | manager(?:in|innen|n|s)?\b                        # Manager, Teammanagerin
    | \bteam-?leads?\b                                  # Teamlead, Team-Leads
    | (?<!an)(?<!ein)(?<!ab)(?<!um)(?<!zu)(?<!über)(?<!weiter)(?<!beg)
      leit(?:er|erin|erinnen|ern|ung|ungen)\b           # Teamleiter, Leitung, Schichtleiterin
    | \bleitende[nr]?\b                                 # leitende Angestellte
    | \bf(?:ü|ue)hrungs\w+                              # Führungskräfte, Fuehrungsteam
    | \b(?:gesch(?:ä|ae)fts|unternehmens|team|abteilungs|bereichs)?f(?:ü|ue)hrung\b
    | \bgesch(?:ä|ae)ftsf(?:ü|ue)hrer\w*                # Geschäftsführerin
    | \bvorgesetzte[nr]?\b                              # Vorgesetzte, Vorgesetzten
    | \bvorarbeiter\w*                                  # on the site or the shop floor
    | chef(?:in|innen|s)?\b                             # Chefin, Abteilungschef
    """,
    re.I | re.X,
)


def impact_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """What `need`, `behaviours` and `support` leave out that training needs to transfer."""
    need = p.need
    if need is not None and not _managers_change(p):
        reason = (
            f"its cause is '{need.cause}', which training alone does not fix"
            if need.cause in CAUSES_FOR_MANAGERS
            else "we have seen them do it right (`seen_doing_it`), so it is a management issue"
            if need.seen_doing_it
            else None
        )
        if reason:
            yield warn(
                source,
                ("need", "cause" if need.cause in CAUSES_FOR_MANAGERS else "seen_doing_it"),
                f"this need may not be a training need: {reason}; say in `support` what "
                "managers or leaders will change",
                guide="training-need",
            )
    if p.behaviours:
        led = {b for behaviour in p.behaviours for b in behaviour.benefits}
        for i, benefit in enumerate(p.benefits):
            if benefit.id is None or benefit.id not in led:
                yield warn(
                    source,
                    ("benefits", i),
                    "no behaviour leads to this benefit: how will people get there? Name it "
                    "in a behaviour's `benefits`"
                    + ("" if benefit.id else ", after giving the benefit an `id`"),
                    guide="behaviours",
                )
    if p.support and not any(s.when == "after" for s in p.support):
        yield warn(
            source,
            ("support",),
            "nothing is planned for `after`: most training is never applied without "
            "follow-up on the job",
            guide="follow-up",
        )


def _managers_change(p: Proposal) -> bool:
    """Whether a `support` entry says what managers or leaders will do."""
    return any(_MANAGERS.search(s.who) for s in p.support)
