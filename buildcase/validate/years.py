"""What format 1.2 asks of people's time and of several years, beyond what a schema says:
a benefit's `decay` below 100%, and the warnings of time that cannot be costed (hours
without the cost of an hour, participants without their hours) and of a long horizon over
which every benefit is counted at its full value.

People's time is counted in the cost where `request.hourly_cost` is given (format 1.2,
`financials.time_cost`): a group's time is its people × their hours × the cost of an hour
(`compute.impact`). A group that lacks one of the three is left out of the cost without a
word in the outputs, so `check` says so here, with the numbers it has.
"""

from __future__ import annotations

from collections.abc import Iterator

from buildcase.errors import Problem
from buildcase.load import Path_, SourceMap, field_path
from buildcase.models.sections import Proposal
from buildcase.validate.consistency import warn

# A horizon longer than this, with every benefit lasting all of it at full value, is warned
# about (format 1.2: "a horizon over two years gets a warning").
STEADY_HORIZON_YEARS = 2

TIME_TOPIC = "time-cost"
YEARS_TOPIC = "benefits-over-years"


def years_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """The errors: a benefit that loses all of its value each year."""
    for i, benefit in enumerate(p.benefits):
        if benefit.decay is not None and benefit.decay.value >= 100:
            path = ("benefits", i, "decay")
            yield Problem(
                source.value(path),
                field_path(path),
                f"a decay of {benefit.decay} leaves nothing of the gain after its first "
                "year: `decay` must be below 100%; for a gain that stops, write `lasts` "
                "(`lasts: 1 year`)",
                "error",
                YEARS_TOPIC,
            )


def years_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """What is doubtful in the time costed and the years counted."""
    yield from time_warnings(p, source)
    yield from horizon_warnings(p, source)


def _hours(hours: float) -> str:
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def _amount(money: float) -> str:
    """An amount as a message quotes it: `38`, `1,250`, `37.50`."""
    return f"{money:,.0f}" if money == int(money) else f"{money:,.2f}"


def time_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """People's time that is not costed: hours without the cost of an hour (one warning,
    naming every group, at the first place hours are written), hours without the number of
    people who give them, and participants without their hours where an hour has a cost."""
    request = p.request
    rate = request.hourly_cost if request else None
    uncosted: list[tuple[Path_, str]] = []  # where, and whose time
    hours = request.hours_per_participant if request else None
    participants = request.participants if request else None
    if hours:
        where: Path_ = ("request", "hours_per_participant")
        if participants is None:
            also = "" if rate is not None else " and `request.hourly_cost`"
            yield warn(
                source,
                where,
                f"{_hours(hours)} each, but of how many participants? Give "
                f"`request.participants`{also}: until then their time is not counted in "
                "the cost",
                guide=TIME_TOPIC,
            )
        elif rate is None:
            uncosted.append((where, f"{participants:,} people for {_hours(hours)} each"))
    elif hours is None and participants and rate is not None:
        yield warn(
            source,
            ("request", "participants"),
            f"the time of {participants:,} participants cannot be costed: give "
            "`request.hours_per_participant` (the hours each spends away from work); an hour "
            f"of their time costs {_amount(rate)} {p.currency} (`request.hourly_cost`), so their "
            "time is part of the cost",
            guide=TIME_TOPIC,
        )
    for i, group in enumerate(p.support):
        own = group.hourly_cost if group.hourly_cost is not None else rate
        if not group.hours:
            continue
        where = ("support", i, "hours")
        if group.people is None:
            also = "" if own is not None else " and an `hourly_cost`"
            yield warn(
                source,
                where,
                f"{_hours(group.hours)} each, but of how many people ({group.who})? Give "
                f"this entry's `people`{also}: until then their time is not counted in the "
                "cost",
                guide=TIME_TOPIC,
            )
        elif own is None:
            who = f"{group.people:,} people for {_hours(group.hours)} each ({group.who})"
            uncosted.append((where, who))
    if uncosted:
        groups = " and of ".join(who for _, who in uncosted)
        named = any(place[0] == "support" for place, _ in uncosted)
        or_own = ", or a `support` entry's own `hourly_cost`" if named else ""
        yield warn(
            source,
            uncosted[0][0],
            f"the time of {groups} is not costed: give `request.hourly_cost` (what an "
            f"hour of their time costs, with its on-costs){or_own}, and it is counted in the "
            "cost the return is computed on",
            guide=TIME_TOPIC,
        )
    yield from _time_cost_without_time(p, source)


def _time_cost_without_time(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """`financials.time_cost` chosen where no hours are given at all: there is nothing to
    count or to show. (Where hours are given, the warnings above say what is missing.)"""
    mode = p.financials.time_cost if p.financials else None
    request = p.request
    if mode is None or (request and request.hours_per_participant):
        return
    if any(group.hours for group in p.support):
        return
    if request and request.participants and request.hourly_cost is not None:
        return  # warned about: participants without their hours
    yield warn(
        source,
        ("financials", "time_cost"),
        f"`time_cost: {mode}`, but no one's time is costed: give "
        "`request.hours_per_participant` and `request.hourly_cost` (and, for the support "
        "around the training, each `support` entry's `people` and `hours`)",
        guide=TIME_TOPIC,
    )


def horizon_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """A horizon over two years where no benefit says how long it lasts or how it fades."""
    years = p.financials.horizon_years if p.financials else 1
    valued = [b for b in p.benefits if b.annual_value is not None]
    if years <= STEADY_HORIZON_YEARS or not valued:
        return
    if any(b.lasts is not None or b.decay is not None for b in p.benefits):
        return
    yield warn(
        source,
        ("financials", "horizon_years"),
        f"every benefit is counted for all {years} years at its full value: give `lasts` "
        "(how long the gain lasts once it starts) or `decay` (the share of its value it "
        "loses each year) to the benefits that fade, as people move on and habits slip",
        guide=YEARS_TOPIC,
    )
