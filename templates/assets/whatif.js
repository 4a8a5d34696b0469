/* buildcase's what-if panel: the viewer moves the main drivers of the return and sees the
 * return, the net value and the payback follow, offline, with no request.
 *
 * The model it reads is buildcase.compute.whatif.whatif_model's JSON. `compute` is a port,
 * line for line, of the arithmetic of buildcase/compute/schedule.py (the timeline: the
 * ramp, the gain month by month, its present value, the cost, the payback) and of
 * money_in_scenario (compute/money.py) for the leading case, so that a figure here is the
 * one Python gives for the same inputs: tests/test_whatif.py checks it in Chromium at
 * hundreds of random settings. A change to the Python arithmetic is made here too.
 *
 * Plain ES2017, no dependency, no network: it works opened from disk (file://).
 *   window.buildcaseWhatIf.compute(model, settings) -> {roi, net, payback, gain, annualGain, cost}
 *   window.buildcaseWhatIf.mount(element, model, labels, figures) -> the panel, in `element`;
 *     its figures in the `[data-figure]` outputs of `figures` where a page wrote them
 *     (beside the proposal's own), else in a list of its own after the sliders
 *   window.buildcaseWhatIf.mountAll() -> every panel a page embeds (`data-bc-whatif`),
 *     run as the script loads: the site's what-if page and the deck's back-up slide
 */
(function () {
  'use strict';

  // compute/schedule.py
  const MONTHS_A_WEEK = 12 / 52;
  const LONGEST_PAYBACK_MONTHS = 120;
  const PRECISION = 1e-9; // months: how closely an undiscounted payback is solved

  // --- the timeline (compute/schedule.py) ------------------------------------------------

  function Ramp(startWeeks, lengthWeeks) {
    this.start = startWeeks * MONTHS_A_WEEK;
    this.length = lengthWeeks * MONTHS_A_WEEK;
  }

  /* Months' worth of the full monthly gain accrued by `month`. */
  Ramp.prototype.fullMonthsBy = function (month) {
    const since = month - this.start;
    if (since <= 0) return 0;
    if (since <= this.length) return since * since / (2 * this.length);
    return this.length / 2 + (since - this.length);
  };

  function Schedule(streams, ramp, upfront, yearly) {
    this.streams = streams;
    this.ramp = ramp;
    this.upfront = upfront;
    this.yearly = yearly || 0;
  }

  /* The gain accrued by `month`, undiscounted: each stream, year by year, over the ramp,
   * until it ends. */
  Schedule.prototype.gainBy = function (month) {
    let total = 0;
    for (const stream of this.streams) {
      const end = stream.ends === null ? month : Math.min(month, stream.ends);
      let year = 0;
      let start = 0;
      while (start < end) {
        const stop = Math.min(end, 12 * (year + 1));
        const accrued = this.ramp.fullMonthsBy(stop) - this.ramp.fullMonthsBy(start);
        total += stream.annual / 12 * Math.pow(1 - stream.decay, year) * accrued;
        start = stop;
        year += 1;
      }
    }
    return total;
  };

  /* With a rate, each month's gain discounted from that month's end. */
  Schedule.prototype.presentGainBy = function (month, rate) {
    if (!rate) return this.gainBy(month);
    let total = 0;
    let previous = 0;
    for (let k = 1; k - 1 < month; k += 1) {
      const reached = this.gainBy(Math.min(k, month));
      total += (reached - previous) / Math.pow(1 + rate, k / 12);
      previous = reached;
    }
    return total;
  };

  Schedule.prototype.yearlyOver = function (years, rate) {
    if (!this.yearly) return 0;
    let total = 0;
    for (let year = 0; year < years; year += 1) {
      total += this.yearly / Math.pow(1 + (rate || 0), year);
    }
    return total;
  };

  Schedule.prototype.paidBy = function (month, rate) {
    const years = this.yearly ? Math.floor(month / 12) + 1 : 0;
    return this.upfront + this.yearlyOver(years, rate);
  };

  Schedule.prototype.costOver = function (years, rate) {
    return this.upfront + this.yearlyOver(years, rate);
  };

  function discount(month, rate) {
    return rate ? Math.pow(1 + rate, month / 12) : 1;
  }

  /* Months until the gain so far repays the cost so far; null past ten years.
   * Undiscounted, solved inside its month by bisection; discounted, interpolated. */
  Schedule.prototype.payback = function (rate) {
    if (!this.streams.length) return null;
    if (this.upfront + this.yearly <= 0) return 0;
    let before = 0;
    let present = 0;
    let accrued = 0;
    for (let month = 1; month <= LONGEST_PAYBACK_MONTHS; month += 1) {
      const cost = this.paidBy(month - 1, rate);
      const reached = this.gainBy(month);
      present += (reached - accrued) / discount(month, rate);
      accrued = reached;
      if ((rate ? present : reached) >= cost) {
        if (rate) return month - 1 + (cost - before) / (present - before);
        return this.solve(month - 1, month, cost);
      }
      before = present;
    }
    return null;
  };

  Schedule.prototype.solve = function (low, high, cost) {
    while (high - low > PRECISION) {
      const middle = (low + high) / 2;
      if (this.gainBy(middle) >= cost) high = middle;
      else low = middle;
    }
    return high;
  };

  // --- the leading case, with the viewer's settings (money_in_scenario) -------------------

  function has(settings, key) {
    return Object.prototype.hasOwnProperty.call(settings, key);
  }

  function reader(settings) {
    return function (key, fallback) {
      return has(settings, key) ? Number(settings[key]) : fallback;
    };
  }

  function sum(values) {
    return values.reduce(function (a, b) { return a + b; }, 0);
  }

  /* Each benefit's gain credited to training (Phillips: value x attribution x
   * confidence), its value scaled by the application rate the viewer set, as the
   * proposal's benefits are estimated at the planned one. */
  function benefitGains(model, settings, pick) {
    const planned = model.application_rate;
    const share = planned && has(settings, 'application-rate')
      ? Number(settings['application-rate']) / planned : null;
    return model.benefits.map(function (b) {
      let gross = pick('benefit-value:' + b.anchor, b.annual_value);
      if (share !== null) gross = gross * share;
      const attribution = pick('benefit-attribution:' + b.anchor, b.attribution) / 100;
      const confidence = pick('benefit-confidence:' + b.anchor, b.confidence) / 100;
      return gross * attribution * confidence;
    });
  }

  /* The loss each reduced risk no longer causes: expected less residual. */
  function avoidedLosses(model, pick) {
    return model.risks.map(function (r) {
      const likelihood = pick('risk-likelihood:' + r.anchor, r.likelihood) / 100;
      const reduction = pick('risk-reduction:' + r.anchor, r.reduction) / 100;
      const expected = likelihood * r.impact;
      const residual = likelihood * (1 - reduction) * r.impact;
      return expected - residual;
    });
  }

  /* People's time at its cost (compute/impact.py), where it is part of the cost. */
  function timeCost(time, pick) {
    if (!time.counted) return null;
    const hourly = pick('hourly-cost', time.hourly_cost);
    const hours = pick('hours-per-participant', time.hours_per_participant);
    if (hourly === null) return time.support_cost_at_own_rates;
    const atHourly = time.support_hours_at_hourly_cost + time.participants * hours;
    return time.support_cost_at_own_rates + atHourly * hourly;
  }

  function compute(model, settings) {
    const set = settings || {};
    const pick = reader(set);
    const gains = benefitGains(model, set, pick);
    const avoided = model.risks.length ? sum(avoidedLosses(model, pick)) : null;
    const annualBenefit = gains.length ? sum(gains) : null;
    const annualGain = annualBenefit === null && avoided === null
      ? null : (annualBenefit || 0) + (avoided || 0);
    const rate = model.discount_rate === null ? null : pick('discount-rate', model.discount_rate) / 100;
    const ramp = new Ramp(model.ramp.start_weeks, pick('ramp', model.ramp.length_weeks));
    const streams = model.benefits.map(function (b, i) {
      return {annual: gains[i], decay: b.decay, ends: b.ends};
    });
    if (avoided) streams.push({annual: avoided, decay: 0, ends: null});
    const time = timeCost(model.time, pick);
    let schedule = null;
    if (model.one_off !== null || model.yearly !== null || time !== null) {
      schedule = new Schedule(streams, ramp, (model.one_off || 0) + (time || 0), model.yearly);
    }
    const cost = schedule ? schedule.costOver(model.horizon_years, rate) : null;
    const gain = annualGain === null
      ? null : new Schedule(streams, ramp, 0, 0).presentGainBy(model.horizon_months, rate);
    const payback = schedule && annualGain && annualGain > 0 ? schedule.payback(rate) : null;
    return {
      roi: gain === null || !cost ? null : (gain - cost) / cost * 100,
      net: gain === null || cost === null ? null : gain - cost,
      payback: payback,
      gain: gain,
      annualGain: annualGain,
      cost: cost,
    };
  }

  // --- the panel ---------------------------------------------------------------------------

  const DEFAULT_LABELS = {
    note: "These figures follow your assumptions, not the proposal's: its own figures are unchanged.",
    roi: 'Return on investment',
    net: 'Net value',
    payback: 'Payback',
    gain: 'Gain over the horizon',
    cost: 'Cost',
    months: '{n} months',
    weeks: '{n} weeks',
    hours: '{n} hours',
    never: 'not within 10 years',
    none: '\u2013',
    drivers: {},
  };

  function formatter(language, options) {
    try {
      return new Intl.NumberFormat(language, options);
    } catch (e) { // an unknown locale: the browser's own, rather than no panel
      return new Intl.NumberFormat(undefined, options);
    }
  }

  function formats(model, labels) {
    const money = formatter(model.language, {
      style: 'currency', currency: model.currency,
      minimumFractionDigits: 0, maximumFractionDigits: 0,
    });
    const percent = formatter(model.language, {style: 'percent', maximumFractionDigits: 0});
    const tenth = formatter(model.language, {minimumFractionDigits: 1, maximumFractionDigits: 1});
    const number = formatter(model.language, {maximumFractionDigits: 1});
    const counted = function (template, n) { return template.replace('{n}', n); };
    return {
      money: function (v) { return v === null ? labels.none : money.format(v); },
      percent: function (v) { return v === null ? labels.none : percent.format(v / 100); },
      months: function (v) { return v === null ? labels.never : counted(labels.months, tenth.format(v)); },
      weeks: function (v) { return counted(labels.weeks, number.format(v)); },
      hours: function (v) { return counted(labels.hours, number.format(v)); },
    };
  }

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  let mounted = 0;
  const FIGURES = ['roi', 'net', 'payback', 'gain', 'cost'];

  function slider(spec, id, label, show, onInput) {
    const row = element('div', 'bc-whatif__driver');
    const name = element('label', 'bc-whatif__label', label);
    name.htmlFor = id;
    const input = element('input', 'bc-whatif__range');
    input.type = 'range';
    input.id = id;
    input.min = String(spec.min);
    input.max = String(spec.max);
    input.step = 'any';
    input.value = String(spec.value);
    const value = element('output', 'bc-whatif__value', show(spec.value));
    value.htmlFor = id;
    input.setAttribute('aria-valuetext', show(spec.value));
    input.addEventListener('keydown', function (event) { event.stopPropagation(); }); // not the deck's
    input.addEventListener('input', function () {
      const chosen = Number(input.value);
      value.textContent = show(chosen);
      input.setAttribute('aria-valuetext', show(chosen));
      onInput(spec.key, chosen);
    });
    row.append(name, input, value);
    return row;
  }

  /* The outputs a page wrote for the figures, each beside the proposal's own, or null
   * where it wrote none of them. */
  function written(figures) {
    if (!figures) return null;
    const outputs = {};
    for (const key of FIGURES) {
      outputs[key] = figures.querySelector('[data-figure="' + key + '"]');
      if (!outputs[key]) return null;
    }
    return {list: null, outputs: outputs};
  }

  function results(labels) {
    const list = element('dl', 'bc-whatif__results');
    list.setAttribute('aria-live', 'polite');
    const outputs = {};
    for (const key of FIGURES) {
      const pair = element('div', 'bc-whatif__result');
      outputs[key] = element('output', 'bc-whatif__figure');
      outputs[key].dataset.figure = key;
      const term = element('dt', null, labels[key]);
      const value = element('dd');
      value.append(outputs[key]);
      pair.append(term, value);
      list.append(pair);
    }
    return {list: list, outputs: outputs};
  }

  function mount(container, model, labels, figures) {
    const words = Object.assign({}, DEFAULT_LABELS, labels || {});
    const drivers = Object.assign({}, DEFAULT_LABELS.drivers, words.drivers || {});
    const fmt = formats(model, words);
    const byUnit = {money: fmt.money, percent: fmt.percent, weeks: fmt.weeks, hours: fmt.hours};
    const settings = {};
    const panel = element('div', 'bc-whatif');
    const shown = written(figures) || results(words);
    const refresh = function () {
      const figures = compute(model, settings);
      shown.outputs.roi.textContent = fmt.percent(figures.roi);
      shown.outputs.net.textContent = fmt.money(figures.net);
      shown.outputs.payback.textContent = fmt.months(figures.payback);
      shown.outputs.gain.textContent = fmt.money(figures.gain);
      shown.outputs.cost.textContent = fmt.money(figures.cost);
    };
    const onInput = function (key, value) { settings[key] = value; refresh(); };
    mounted += 1;
    panel.append(element('p', 'bc-whatif__note', words.note));
    const sliders = element('div', 'bc-whatif__drivers');
    model.sliders.forEach(function (spec, i) {
      const show = byUnit[spec.unit] || fmt.hours;
      const label = drivers[spec.key] || spec.key;
      sliders.append(slider(spec, 'bc-whatif-' + mounted + '-' + i, label, show, onInput));
    });
    panel.append(sliders);
    if (shown.list) panel.append(shown.list);
    container.append(panel);
    refresh();
    return panel;
  }

  /* Every panel a page embeds, once: an element marked `data-bc-whatif` holding its
   * model and labels as JSON (`<script type="application/json" data-bc-whatif-model>`,
   * `data-bc-whatif-labels`), the place for the sliders (`data-bc-whatif-panel`) and the
   * outputs for the figures. JSON in a script element is data, never run. */
  function mountAll() {
    const found = document.querySelectorAll('[data-bc-whatif]');
    Array.prototype.forEach.call(found, function (root) {
      if (root.dataset.bcWhatifMounted) return;
      const read = function (attribute) {
        const script = root.querySelector('script[' + attribute + ']');
        return script ? JSON.parse(script.textContent) : null;
      };
      root.dataset.bcWhatifMounted = 'true';
      const place = root.querySelector('[data-bc-whatif-panel]') || root;
      mount(place, read('data-bc-whatif-model'), read('data-bc-whatif-labels'), root);
      root.classList.add('bc-whatif-compare--live');
    });
  }

  window.buildcaseWhatIf = {compute: compute, mount: mount, mountAll: mountAll};
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
}());
