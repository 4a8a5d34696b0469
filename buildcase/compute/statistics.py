"""Compute, statistics: survey figures with their n, population and 95% margin of error,
and the numbered sources every quoted figure points to (`Figure` and `Source` are in
`records`)."""

from __future__ import annotations

import math
from collections import Counter

from buildcase.compute.records import BenefitView, Figure, RiskView, Source
from buildcase.models.quantities import Percent
from buildcase.models.sections import Benefit, Evidence, Proposal, Risk, Stat, Survey  # fmt: skip

HEADLINE_MIN, HEADLINE_DEFAULT, HEADLINE_MAX = 3, 4, 6
Z_95 = 1.959964  # two-sided 95% normal quantile


def stat_population(stat: Stat, survey: Survey) -> int | None:
    """The population a stat's respondents were drawn from: the one stated for the stat. A
    stat given its own respondents may ask another group than the survey (38 managers, not
    the 300 sellers), so it takes the survey's population only when it takes its n too, or
    when it is computed from the survey's own data (its n is those who answered there)."""
    if stat.population is not None:
        return stat.population
    if stat.respondents is not None and not stat.column:
        return None
    return survey.population


def quotable_figures(proposal: Proposal) -> dict[str, Figure]:
    """Every survey stat and evidence entry by id, each with its n or its source."""
    figures: dict[str, Figure] = {}
    if proposal.survey:
        survey = proposal.survey
        for stat in survey.stats:
            figures[stat.id] = _survey_figure(
                stat, survey.respondents, stat_population(stat, survey)
            )
    for entry in proposal.evidence:
        figures[entry.id] = _evidence_figure(entry)
    return figures


def _survey_figure(stat: Stat, default_n: int | None, population: int | None) -> Figure:
    """The stat with its n and margin of error; `population` is the stat's own
    (`stat_population`), never one it did not state."""
    n = stat.respondents or default_n
    assert stat.value is not None, "validate fills in values computed from data"
    margin = low = high = None
    if isinstance(stat.value, Percent) and n:
        margin = margin_of_error(stat.value.fraction, n, population)
        low, high = margin_bounds(stat.value.value, margin)
    return Figure(
        id=stat.id,
        anchor=f"stat-{stat.id}",
        value=stat.value,
        label=stat.label,
        n=n,
        population=population,
        margin=margin,
        low=low,
        high=high,
    )


def _evidence_figure(entry: Evidence) -> Figure:
    return Figure(
        id=entry.id,
        anchor=f"evidence-{entry.id}",
        value=entry.value,
        label=entry.label,
        source=entry.source,
        year=entry.year,
        url=entry.url,
        compare=entry.compare,
        internal=entry.internal,
    )


def margin_of_error(p: float, n: int, population: int | None = None) -> float:
    """The 95% margin of error of a share p from n answers, in percentage points.

    With the population N known, the finite-population correction sqrt((N-n)/(N-1))
    narrows it: asking 2,400 of 11,000 people tells more than asking 2,400 of millions.
    """
    if n <= 0:
        raise ValueError("a margin of error needs at least one respondent")
    margin = Z_95 * math.sqrt(p * (1 - p) / n)
    if population and population > 1:
        if n > population:
            raise ValueError(f"n ({n}) is larger than the population ({population})")
        margin *= math.sqrt((population - n) / (population - 1))
    return margin * 100


def margin_bounds(share: float, margin: float) -> tuple[float, float]:
    """The ends of the 95% interval around a share, both in percent: the share less and
    plus its margin, kept within 0-100, since no share is below none of the respondents or
    above all of them (3% ± 4.1 pts runs from 0% to 7.1%)."""
    return max(share - margin, 0.0), min(share + margin, 100.0)


def headline_figures(proposal: Proposal, figures: dict[str, Figure]) -> list[Figure]:
    """The figures to show big: those the author marked, else the most cited ones.

    A figure cited by more benefits and risks carries more of the argument; ties keep
    the author's order, survey first, since the organization's own numbers persuade most.
    """
    entries: list[Stat | Evidence] = [
        *(proposal.survey.stats if proposal.survey else []),
        *proposal.evidence,
    ]
    marked = [s.id for s in entries if s.headline]
    if marked:
        return [figures[i] for i in marked[:HEADLINE_MAX]]
    citing: list[Benefit | Risk] = [*proposal.benefits, *proposal.risks]
    citations = Counter(e for item in citing for e in item.evidence)
    order = list(figures)
    ranked = sorted(order, key=lambda i: (-citations[i], order.index(i)))
    cited = [i for i in ranked if citations[i]]
    count = max(min(len(cited), HEADLINE_DEFAULT), min(HEADLINE_MIN, len(ranked)))
    return [figures[i] for i in ranked[:count]]


def numbered_sources(
    headline: list[Figure], benefits: list[BenefitView], risks: list[RiskView]
) -> tuple[list[Source], dict[str, int]]:
    """The sources of the quoted figures, numbered in the order a reader meets them.

    Figures from the same survey with the same n share a note, so the handout's notes
    name each source once.
    """
    views: list[BenefitView | RiskView] = [*benefits, *risks]
    quoted = [*headline, *(f for view in views for f in view.figures)]
    sources: list[Source] = []
    notes: dict[str, int] = {}
    for figure in quoted:
        source = source_of(figure)
        if source not in sources:
            sources.append(source)
        notes[figure.id] = sources.index(source) + 1
    return sources, notes


def source_of(figure: Figure) -> Source:
    if figure.is_survey:
        return Source(survey=True, n=figure.n, population=figure.population)
    return Source(
        survey=False, source=figure.source, year=figure.year, url=figure.url,
        internal=figure.internal,
    )  # fmt: skip
