"""Compute, schedule: when the gain arrives and when the cost is paid, month by month, so
that payback, the gain and cost over the horizon (present values where a discount rate is
given) and the payback chart all read one timeline (format 1.2: several years told truly).

The gain ramps up as people are trained (`Ramp`); each benefit runs at its annual value in
year 1, less its `decay` each year after, until it stops (`lasts` after the gain starts);
the losses training avoids do not fade. The cost is paid at the start of the programme:
the one-off items, the pilot on top and people's time at month 0, and a yearly item at
the start of every year (months 0, 12, 24, ...), for as long as the timeline runs.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

MONTHS_A_WEEK = 12 / 52
LONGEST_PAYBACK_MONTHS = 120  # ten years: beyond that a programme does not pay back
_PRECISION = 1e-9  # months: how closely an undiscounted payback is solved


@dataclass(frozen=True)
class Ramp:
    """When the gain arrives: none until `start` months from the start of the programme,
    then rising evenly to the full annual gain over `length` months, as people are
    trained, and in full after. A CFO's first question is whether the programme pays
    back before the people are trained; the gain must not run from day one."""

    start_weeks: float  # from the start of the programme
    length_weeks: float

    @functools.cached_property
    def start(self) -> float:
        """In months, as payback is counted (kept: the gain is read hundreds of times)."""
        return self.start_weeks * MONTHS_A_WEEK

    @functools.cached_property
    def length(self) -> float:
        return self.length_weeks * MONTHS_A_WEEK

    def full_months_by(self, month: float) -> float:
        """Months' worth of the full monthly gain that has accrued by `month`."""
        since = month - self.start
        if since <= 0:
            return 0.0
        if since <= self.length:
            return since * since / (2 * self.length)
        return self.length / 2 + (since - self.length)

    @property
    def full_from(self) -> float:
        return self.start + self.length

    @property
    def full_from_weeks(self) -> float:
        return self.start_weeks + self.length_weeks


@dataclass(frozen=True)
class Stream:
    """One part of the annual gain: a benefit's value credited to training, or the losses
    training avoids, with how it changes over the years."""

    annual: float  # in year 1, at full run
    decay: float = 0.0  # the share of its value lost each year, 0..1
    ends: float | None = None  # the month it stops, from the start; None: it never does

    def factor(self, year: int) -> float:
        """Its value in `year` (0 for the first) as a share of year 1's."""
        return (1 - self.decay) ** year


@dataclass(frozen=True)
class Schedule:
    streams: tuple[Stream, ...]
    ramp: Ramp
    upfront: float  # paid at month 0
    yearly: float = 0.0  # paid at the start of every year

    def gain_by(self, month: float) -> float:
        """The gain accrued by `month`, undiscounted: each stream, year by year, over the
        ramp, until it ends (`Accrual`: its whole years' parts once, not at every call)."""
        total = 0.0
        for stream, accrual in zip(self.streams, self._accruals, strict=True):
            total = accrual.added(total, month if stream.ends is None else min(month, stream.ends))
        return total

    @functools.cached_property
    def _accruals(self) -> tuple[Accrual, ...]:
        """Payback, the present value and the chart each read the gain month by month, and
        a sensitivity solver reads them hundreds of times: each stream's yearly parts are
        kept with the schedule."""
        return tuple(Accrual(stream, self.ramp) for stream in self.streams)

    def present_gain_by(self, month: float, rate: float | None) -> float:
        """The gain accrued by `month`; with a rate, its present value (each month's gain
        discounted from that month's end)."""
        if not rate:
            return self.gain_by(month)
        total, previous, k = 0.0, 0.0, 1
        while k - 1 < month:
            reached = self.gain_by(min(k, month))
            total += (reached - previous) / (1 + rate) ** (k / 12)
            previous, k = reached, k + 1
        return total

    def paid_by(self, month: float, rate: float | None = None) -> float:
        """What has been paid by `month` (a year's payment falls at its first instant);
        with a rate, its present value."""
        years = math.floor(month / 12) + 1 if self.yearly else 0
        return self.upfront + self.yearly_over(years, rate)

    def yearly_over(self, years: int, rate: float | None) -> float:
        """`years` yearly payments, the first at month 0; their present value with a rate."""
        if not self.yearly:
            return 0.0
        return sum(self.yearly / (1 + (rate or 0.0)) ** year for year in range(years))

    def cost_over(self, years: int, rate: float | None) -> float:
        """The cost of a horizon of `years`: what is paid up to its last year's payment."""
        return self.upfront + self.yearly_over(years, rate)

    def net_by_month(self, months: int, rate: float | None) -> tuple[float, ...]:
        """The cumulative net value (the gain so far, less what is paid so far) at months
        0, 1, 2 ... `months`; present values with a rate."""
        net, present, accrued = [], 0.0, 0.0
        for month in range(months + 1):
            reached = self.gain_by(month)
            present += (reached - accrued) / _discount(month, rate)
            accrued = reached
            net.append(present - self.paid_by(month, rate))
        return tuple(net)

    def payback(self, rate: float | None) -> float | None:
        """Months until the gain so far repays the cost paid so far; None if it never does
        within ten years. Undiscounted, solved to a billionth of a month inside the month it
        falls in; discounted, month by month, the last month interpolated."""
        if not self.streams:
            return None
        if self.upfront + self.yearly <= 0:
            return 0.0  # nothing to repay
        before, present, accrued = 0.0, 0.0, 0.0
        for month in range(1, LONGEST_PAYBACK_MONTHS + 1):
            cost = self.paid_by(month - 1, rate)  # the same through the month, to its end
            reached = self.gain_by(month)
            present += (reached - accrued) / _discount(month, rate)
            accrued = reached
            if (present if rate else reached) >= cost:
                if rate:
                    return month - 1.0 + (cost - before) / (present - before)
                return self._solve(month - 1.0, float(month), cost)
            before = present
        return None

    def _solve(self, low: float, high: float, cost: float) -> float:
        """The first moment in (low, high] the undiscounted gain reaches `cost`."""
        while high - low > _PRECISION:
            middle = (low + high) / 2
            if self.gain_by(middle) >= cost:
                high = middle
            else:
                low = middle
        return high


@dataclass
class Accrual:
    """One stream's gain over the ramp, year by year, as `Schedule.gain_by` adds it: what
    a month at full run is worth in each year, the ramp's months at each year's start, and
    what each whole year adds, each worked out once and then read. The sums are the same,
    term for term and in the same order, as working them out at every call (so every
    figure is too, to the last bit)."""

    stream: Stream
    ramp: Ramp
    rates: list[float] = field(default_factory=list)  # a month at full run, in each year
    marks: list[float] = field(default_factory=list)  # full months by each year's start
    wholes: list[float] = field(default_factory=list)  # what each whole year adds

    def added(self, total: float, end: float) -> float:
        """`total` with this stream's gain up to `end` added: each whole year, then the
        part of the year `end` falls in."""
        year, wholes = 0, self.wholes
        while end >= 12.0 * (year + 1):
            total += wholes[year] if year < len(wholes) else self.whole(year)
            year += 1
        if 12.0 * year < end:
            total += self.rate(year) * (self.ramp.full_months_by(end) - self.mark(year))
        return total

    def whole(self, year: int) -> float:
        """What `year` adds in full."""
        while len(self.wholes) <= year:
            k = len(self.wholes)
            self.wholes.append(self.rate(k) * (self.mark(k + 1) - self.mark(k)))
        return self.wholes[year]

    def rate(self, year: int) -> float:
        """What a month at full run is worth in `year`."""
        while len(self.rates) <= year:
            self.rates.append(self.stream.annual / 12 * self.stream.factor(len(self.rates)))
        return self.rates[year]

    def mark(self, year: int) -> float:
        """The full months accrued by the start of `year`."""
        while len(self.marks) <= year:
            self.marks.append(self.ramp.full_months_by(12.0 * len(self.marks)))
        return self.marks[year]


def _discount(month: float, rate: float | None) -> float:
    """What a sum at the end of `month` is divided by to give its present value."""
    return float((1 + rate) ** (month / 12)) if rate else 1.0
