"""The portfolio: the index of every proposal in an output folder, each written in its own
language and currency from the values its output recorded (`compute.portfolio_entry`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from buildcase.i18n import language
from buildcase.models.parsers import parse_date, parse_duration
from buildcase.render.environment import environment_for, render_template
from buildcase.render.formatting import Formatter


def render_portfolio(entries: dict[str, dict[str, Any]], search_path: list[Path]) -> str:
    """The index of every proposal in an output folder, newest first, each written in its
    own language and currency from the values its output recorded."""
    ordered = sorted(
        entries.items(), key=lambda item: (item[1].get("date", ""), item[0]), reverse=True
    )
    listed = [(slug, portfolio_row(e)) for slug, e in ordered if e.get("title")]
    context: dict[str, object] = {"entries": listed, **_counts(len(listed))}
    return render_template(environment_for(search_path), "portfolio.html.j2", context)


def _counts(n: int) -> dict[str, str]:
    """How many proposals the page lists, with its noun, as its heading and its description
    say it. The page's own labels are English, whatever language each proposal is written
    in, so an English Formatter writes them (it writes no amount: its currency is never
    shown). Written here rather than by `fmt.count_of` in the template: a template's count
    nouns must be in every catalogue (tests/test_wording.py), and these are never shown in
    another language."""
    fmt = Formatter("USD", language("en"))
    return {
        "proposals": fmt.count_of(n, "proposal", "proposals"),
        "training_proposals": fmt.count_of(n, "training proposal", "training proposals"),
    }


def portfolio_row(entry: dict[str, Any]) -> dict[str, Any]:
    """One proposal's line in the portfolio: its recorded values, formatted."""
    lang = language(entry.get("lang") or "en")
    fmt, _ = Formatter(entry.get("currency") or "USD", lang), lang.gettext
    budget, participants, duration = (entry.get(k) for k in ("budget", "participants", "duration"))
    ask = [
        fmt.money(budget) if budget is not None else None,
        f"{fmt.count(participants)} {_('participants')}" if participants else None,
        fmt.duration(parse_duration(duration)) if duration else None,
    ]
    results = entry.get("results") if isinstance(entry.get("results"), dict) else None
    status, label = _status(entry.get("status"), results)
    decide_by = entry.get("decide_by")
    return {
        **entry,
        "status": status,
        "results": _results_texts(results, fmt) if results else None,
        "ask": " · ".join(a for a in ask if a),
        "ask_parts": [a for a in ask if a],  # each kept whole on a line
        "date_text": fmt.date(parse_date(entry["date"])) if entry.get("date") else "",
        "status_text": _status_text(
            label, _, fmt.date(parse_date(decide_by)) if decide_by else None
        ),
        # The row's own labels, in its proposal's language (the page's are English).
        "lang": lang.code,
        "executives_text": _("Executives"),
        "results_text": _("Results"),
    }


def _status(decision: str | None, results: dict[str, Any] | None) -> tuple[str, str]:
    """A proposal's status (its class on the page) and the catalogue key of its label: once
    it has results, what they report ("Pilot reported", "Roll-out reported", "Complete";
    format 1.2), in place of the campaign's decision, which they follow. A proposal that
    records no decision is awaiting one: a row without a status reads as a proposal
    forgotten, not one still before the board."""
    if results and results.get("stage"):
        return "reported", f"reported:{results['stage']}"
    if decision and decision != "pending":
        return decision, f"status:{decision}"
    return "pending", "Awaiting decision"


def _status_text(label: str, _: Callable[[str], str], decide_by: str | None) -> str:
    """The status as the row shows it: "Awaiting decision, by 29 January 2027" where the
    date the decision is wanted by was recorded (`compute.portfolio_entry`)."""
    text = _first_upper(_(label))
    if label == "Awaiting decision" and decide_by:
        return _("Awaiting decision, by {date}").format(date=decide_by)
    return text


def _first_upper(text: str) -> str:
    """`text` as a label begins: its first letter upper case, the rest as written (German
    nouns keep theirs: `Mit Bedingungen genehmigt`, which `str.capitalize` would lower)."""
    return text[:1].upper() + text[1:]


def _results_texts(results: dict[str, Any], fmt: Formatter) -> dict[str, Any]:
    """The results recorded by this buildcase (`compute.results`), with their texts."""
    _ = fmt._
    return {
        **results,
        "stage_text": _(f"stage:{results['stage']}"),
        "recommendation_text": _(f"recommendation:{results['recommendation']}"),
        "roi_label": _("Return on investment, first year"),
        "roi_text": _("{achieved} against {promised} forecast").format(
            achieved=fmt.percent(results["roi_achieved"]),
            promised=fmt.percent(results["roi_promised"]),
        ),
    }
