"""What format 1.2 asks of the department heads' part, beyond what a schema says: a KPI's
target the same kind as its baseline, a need's causes that add up to the whole gap, and
the warnings of a proposal that forgets to ask a head for anything, gives heads more
people than take part, or credits training with more of a gain than training can close.
"""

from __future__ import annotations

from collections.abc import Iterator

from buildcase.errors import Problem
from buildcase.load import SourceMap, field_path
from buildcase.models.plan import CAUSES_FOR_MANAGERS
from buildcase.models.quantities import Percent
from buildcase.models.sections import Proposal
from buildcase.validate.consistency import warn

# Shares are written to whole or tenth percents: a sum this close to 100 is 100.
_SHARE_TOLERANCE = 0.05


def department_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """The errors: a KPI read against a baseline of another kind, causes that do not make
    up the gap, and a need given one cause and several at once."""
    for i, audience in enumerate(p.audiences):
        for j, kpi in enumerate(audience.kpis):
            if isinstance(kpi.baseline, Percent) != isinstance(kpi.target, Percent):
                kind = "a percent" if isinstance(kpi.baseline, Percent) else "a number"
                path = ("audiences", i, "kpis", j, "target")
                yield Problem(
                    source.value(path),
                    field_path(path),
                    f"baseline is {kind}, so target must be {kind} too, found {kpi.target}",
                )
    need = p.need
    if need is None or not need.causes:
        return
    if need.cause is not None:
        yield Problem(
            source.value(("need", "cause")),
            field_path(("need", "cause")),
            "give either `cause` (one) or `causes` (several, with shares), not both: "
            "the outputs would say two things about why the gap exists",
        )
    total = sum(c.share.value for c in need.causes)
    if abs(total - 100) > _SHARE_TOLERANCE:
        yield Problem(
            source.key(("need", "causes")),
            field_path(("need", "causes")),
            f"the causes' shares add up to {total:g}%, not 100%: each share is the part "
            "of the gap that cause explains",
        )
    seen: set[str] = set()
    for i, share in enumerate(need.causes):
        if share.cause in seen:
            where = ("need", "causes", i, "cause")
            yield Problem(
                source.value(where),
                field_path(where),
                f"'{share.cause}' is listed twice; give each cause once, with its whole share",
            )
        seen.add(share.cause)


def department_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """What is doubtful in the department heads' part: a head asked for nothing, more of
    their people than take part, an approved budget and nothing asked, a gain credited
    to training beyond the share of the gap training can close."""
    named = {a for s in p.support for a in s.audiences}
    for i, audience in enumerate(p.audiences):
        if not audience.ask and audience.id not in named:
            yield warn(
                source,
                ("audiences", i),
                f"what do you need from the {audience.title}? Their page, handout and deck "
                "lead with it: give an `ask` (what, how many people, hours, by when) or name "
                f"'{audience.id}' in a `support` entry's `audiences`",
                guide="department-asks",
            )
    request = p.request
    given = [a.participants for a in p.audiences if a.participants is not None]
    planned = request.participants if request is not None else None
    if given and planned is not None and sum(given) > planned:
        yield warn(
            source,
            ("audiences",),
            f"the audiences' `participants` add up to {sum(given):,}, more than the "
            f"{planned:,} in `request.participants`: a head would be shown hours that "
            "are not part of the programme",
            guide="department-asks",
        )
    approved = request is not None and request.approved is not None
    if approved and not any(a.ask for a in p.audiences):
        yield warn(
            source,
            ("request", "approved"),
            "the budget is approved and no audience has an `ask`, so the proposal asks "
            "for nothing: say what you need from each department head",
            guide="budget-approved",
        )
    yield from _attribution_warnings(p, source)


def _attribution_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    need = p.need
    if need is None or not need.causes:
        return
    closable = sum(c.share.value for c in need.causes if c.cause not in CAUSES_FOR_MANAGERS)
    rest = [c.cause for c in need.causes if c.cause in CAUSES_FOR_MANAGERS]
    if not rest or any(set(s.addresses) & set(rest) for s in p.support):
        return
    for i, benefit in enumerate(p.benefits):
        attribution = benefit.attribution.value if benefit.attribution else 100.0
        if attribution > closable + _SHARE_TOLERANCE:
            yield warn(
                source,
                ("benefits", i, "attribution") if benefit.attribution else ("benefits", i),
                f"{attribution:g}% of this gain is credited to training, but training can "
                f"close {closable:g}% of the gap (need.causes) and no `support` entry "
                f"`addresses` the rest ({', '.join(rest)}): lower the attribution or say "
                "who works on the rest",
                guide="need-causes",
            )
