"""Compute, results: what happened against what was forecast, figure by figure.

Every figure is the forecast for the same number of people trained (pro rata), set beside
what was achieved. Nothing is rounded in the programme's favour: figures are rounded to
whole currency units (and whole percents) before they are compared, each in the direction
that makes the programme look worse (a value achieved down, a value promised up; a cost
spent up, a budget down), and met or missed is decided on the figures as shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from buildcase.compute.records import BenefitView, Figure, MeasureView, Scenario, is_census
from buildcase.compute.statistics import margin_of_error
from buildcase.compute.views import measure_view
from buildcase.models.plan import Measure
from buildcase.models.quantities import Percent
from buildcase.models.results import Results
from buildcase.models.sections import Proposal

__all__ = [
    "Application",
    "BenefitResult",
    "Comparison",
    "ResultsView",
    "application",
    "budget_so_far",
    "forecast_share",
    "results_summary",
    "results_view",
]

MET, MISSED, UNMEASURED = "met", "missed", "not measured"
SMALL_SAMPLE = 30  # a share of fewer respondents is shown with its count: "8 of 14"


@dataclass(frozen=True)
class Comparison:
    """A figure promised against the figure achieved, both as shown (rounded against the
    programme); `shortfall` is what a miss cost (or, for a cost, the overspend)."""

    promised: float | None
    achieved: float | None
    status: str | None  # MET, MISSED, or None where one side is missing
    shortfall: float | None = None


@dataclass(frozen=True)
class BenefitResult:
    anchor: str  # the benefit's anchor on the site's benefits page
    id: str
    title: str
    value: Comparison  # its value a year: forecast pro rata against realized
    status: str | None  # MET, MISSED or UNMEASURED (forecast, but nothing reported)
    lost: float | None  # forecast not realized (all of it when not measured)
    over: float | None = None  # realized beyond the forecast: shown apart, never netted


@dataclass(frozen=True)
class Application:
    """The share of the trained who applied it, against the plan's rate and the baseline."""

    actual: Percent
    n: int | None  # follow-up respondents
    population: int  # the people trained
    margin: float | None  # 95%, in percentage points, rounded up; None for a census
    planned: Percent | None
    baseline: Figure | None  # the share that applies training typically
    status: str | None  # against the plan's rate
    gap: float | None  # percentage points below the plan's rate, where it missed
    count: int | None = None  # how many applied it, where fewer than 30 answered ("8 of 14")

    @property
    def census(self) -> bool:
        return is_census(self.n, self.population)


@dataclass
class ResultsView:
    results: Results
    scenario: str  # the forecast compared with: the case the proposal led with
    participants: int | None  # request.participants
    share: float | None  # trained / participants: the pro rata factor
    budget_basis: str | None  # "pilot" (the pilot's budget) or "pro-rata" (of the cost)
    application: Application | None
    value: Comparison  # all benefits, a year
    benefits: list[BenefitResult]
    cost: Comparison
    roi: Comparison  # percent: (value a year - cost) / cost
    lost: float | None  # the shortfalls added up, a year: never netted against `over`
    successes_value: float | None
    measures: list[MeasureView] = field(default_factory=list)  # those measured
    # the losses training was to avoid, pro rata: part of the promise, and not measurable
    # in `results`, so not realized (format 1.2, issue 26)
    avoided: Comparison | None = None
    over: float | None = None  # what benefits realized beyond their forecast, added up

    @property
    def benefits_met(self) -> int:
        """The benefits that realized their forecast: the results deck's finding."""
        return sum(b.status == MET for b in self.benefits)

    @property
    def measures_met(self) -> int:
        """The measures that reached their target, of those measured."""
        return sum(m.status == MET for m in self.measures)

    @property
    def missed(self) -> list[str]:
        """What missed, for the summary: 'application', 'value', 'cost', 'return'."""
        rows = {"value": self.value, "cost": self.cost, "return": self.roi}
        found = [k for k, c in rows.items() if c.status == MISSED]
        if self.application and self.application.status == MISSED:
            found.insert(0, "application")
        return found


def up(x: float) -> float:
    """Rounded up to a whole unit (a tiny float error does not add a unit)."""
    return float(math.ceil(round(x, 6)))


def down(x: float) -> float:
    return float(math.floor(round(x, 6)))


def forecast_share(proposal: Proposal, results: Results) -> float | None:
    """The pro rata factor: the people trained over the people the forecast is for."""
    participants = proposal.request.participants if proposal.request else None
    if not participants:
        return None
    return results.trained / participants


def budget_so_far(
    proposal: Proposal, results: Results, total_cost: float | None
) -> tuple[float | None, str | None]:
    """The budget the cost so far is held to, and its basis: the pilot's own budget after
    a pilot that has one, else the programme's cost pro rata for the people trained."""
    pilot = proposal.request.pilot if proposal.request else None
    if results.stage == "pilot" and pilot is not None and pilot.budget is not None:
        return pilot.budget, "pilot"
    share = forecast_share(proposal, results)
    if total_cost is None or share is None:
        return None, None
    return total_cost * share, "pro-rata"


def _compare_higher(promised: float | None, achieved: float | None) -> Comparison:
    """A figure where more is better: the promise rounded up, the result down."""
    p = None if promised is None else up(promised)
    a = None if achieved is None else down(achieved)
    if p is None or a is None:
        return Comparison(p, a, None)
    return Comparison(p, a, MET if a >= p else MISSED, None if a >= p else p - a)


def application(
    results: Results,
    proposal: Proposal,
    figures: dict[str, Figure],
) -> Application | None:
    follow = results.follow_up
    if follow is None or follow.applied is None:
        return None
    actual, n = follow.applied, follow.respondents
    margin = None
    if n and not is_census(n, results.trained) and n <= results.trained:
        exact = margin_of_error(actual.fraction, n, results.trained or None)
        margin = math.ceil(round(exact * 10, 6)) / 10  # wider, never narrower
    settings = proposal.financials
    planned = settings.application_rate if settings else None
    ref = settings.application_baseline if settings else None
    baseline = figures.get(ref) if ref else None
    status = gap = None
    if planned is not None:
        status = MET if actual.value >= planned.value else MISSED
        gap = planned.value - actual.value if status == MISSED else None
    count = round(actual.fraction * n) if n is not None and n < SMALL_SAMPLE else None
    return Application(actual, n, results.trained, margin, planned, baseline, status, gap, count)


def results_view(
    proposal: Proposal,
    benefits: list[BenefitView],
    lead: Scenario,
    figures: dict[str, Figure],
) -> ResultsView | None:
    results = proposal.results
    if results is None:
        return None
    share = forecast_share(proposal, results)
    realized = {r.benefit: r.annual_value for r in results.benefits}
    rows = []
    for view in benefits:
        b = view.benefit
        forecast = lead.benefits.get(view.anchor)
        got = realized.get(b.id) if b.id else None
        if forecast is None and got is None:
            continue
        promised = forecast.adjusted * share if forecast and share is not None else None
        value = _compare_higher(promised, got)
        if value.promised is not None and value.achieved is None:
            rows.append(
                BenefitResult(view.anchor, b.id or "", b.title, value, UNMEASURED, value.promised)
            )
        else:
            over = _over(value)
            rows.append(
                BenefitResult(
                    view.anchor, b.id or "", b.title, value, value.status, value.shortfall, over
                )
            )
    avoided = None
    if lead.avoided_loss and share is not None:
        avoided = Comparison(up(lead.avoided_loss * share), None, None)
    promised_total = _total([r.value.promised for r in rows] + [_promised(avoided)])
    achieved_total = _total([r.value.achieved for r in rows]) if realized else None
    if promised_total is not None and achieved_total is None:
        achieved_total = 0.0  # nothing measured: nothing realized can be claimed
    value = _compare_higher(promised_total, achieved_total)
    # What was lost: every shortfall, and the losses to avoid that no result shows, added
    # up; a benefit that did better is shown apart (`over`), never subtracted from them.
    lost = _total([r.lost for r in rows] + [_promised(avoided)])
    over_forecast = _total([r.over for r in rows])
    budget, basis = budget_so_far(proposal, results, lead.cost)
    budget_shown = None if budget is None else down(budget)
    spent_shown = None if results.spent is None else up(results.spent)
    if budget_shown is not None and spent_shown is not None:
        over = spent_shown > budget_shown
        cost = Comparison(
            budget_shown,
            spent_shown,
            MISSED if over else MET,
            spent_shown - budget_shown if over else None,
        )
    else:
        cost = Comparison(budget_shown, spent_shown, None)
    roi = _return(value, cost)
    successes = [s.value for s in results.successes if s.value is not None]
    return ResultsView(
        results=results,
        scenario=lead.scenario,
        participants=proposal.request.participants if proposal.request else None,
        share=share,
        budget_basis=basis,
        application=application(results, proposal, figures),
        value=value,
        benefits=rows,
        cost=cost,
        roi=roi,
        lost=lost,
        successes_value=down(sum(successes)) if successes else None,
        measures=[measure_view(m) for m in _measured(proposal.measures)],
        avoided=avoided,
        over=over_forecast,
    )


def results_summary(view: ResultsView) -> dict[str, Any]:
    """What the portfolio records of a proposal's results, as plain values."""
    return {
        "stage": view.results.stage,
        "as_of": str(view.results.as_of),
        "roi_promised": view.roi.promised,
        "roi_achieved": view.roi.achieved,
        "recommendation": view.results.recommendation,
    }


def _over(value: Comparison) -> float | None:
    """What a figure achieved beyond its promise, where it did."""
    if value.promised is None or value.achieved is None or value.achieved <= value.promised:
        return None
    return value.achieved - value.promised


def _promised(comparison: Comparison | None) -> float | None:
    return comparison.promised if comparison is not None else None


def _total(values: list[float | None]) -> float | None:
    given = [v for v in values if v is not None]
    return sum(given) if given else None


def _measured(measures: list[Measure]) -> list[Measure]:
    return [m for m in measures if m.actual is not None]


def _return(value: Comparison, cost: Comparison) -> Comparison:
    """A year's value against the cost so far, as a percent: (value - cost) / cost. The
    forecast on the budget; the result on the money spent (on the budget where the
    spending is not reported)."""
    promised = achieved = None
    if value.promised is not None and cost.promised:
        promised = (value.promised - cost.promised) / cost.promised * 100
    paid = cost.achieved if cost.achieved is not None else cost.promised
    if value.achieved is not None and paid:
        achieved = (value.achieved - paid) / paid * 100
    return _compare_higher(promised, achieved)
