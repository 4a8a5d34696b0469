"""The JSON Schema of the proposal format, for editors (completion and checks as you type).

Generated from the models, so it cannot drift from what `check` accepts: one schema for
`proposal.yaml` and one for each section that may live in a file of its own
(`risks.yaml`...). `buildcase new` writes them into `proposals/schema/`; `buildcase schema
[--section NAME]` prints one. Every property carries a description and an example, for an
editor's hover. What JSON Schema cannot say (references between sections, sums, files
read) is left to `check`, and listed in docs/proposal-format.md.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from buildcase.load import SECTION_FILES
from buildcase.models.sections import Proposal
from buildcase.workspace.layout import ROOT_FILE

SCHEMA_ID = "https://buildcase.invalid/schema/proposal-v1.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Where `buildcase new` writes the schemas, inside proposals/: schema/proposal.schema.json
# and schema/<section>.schema.json.


def schema_file(name: str = "proposal") -> str:
    """The file name of the schema of `proposal.yaml` ("proposal") or of a section file."""
    return f"{name}.schema.json"


def proposal_schema() -> dict[str, Any]:
    """The schema of `proposal.yaml`. A section that may live in its own file is never
    required here: where it is missing, `check` says so, after reading the section files."""
    schema = Proposal.model_json_schema()
    _complete(schema)
    required = [name for name in schema.get("required", []) if name not in SECTION_FILES]
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        **schema,
        "title": "buildcase proposal (format version 1)",
        "description": f"{ROOT_FILE}: a training proposal. Any of "
        f"{', '.join(SECTION_FILES)} may instead live in a file of its own beside it, "
        "named after it (risks.yaml)",
        "required": required,
    }


def section_schema(name: str) -> dict[str, Any]:
    """The schema of a section file, `<name>.yaml`: the section's value (for `risks.yaml`,
    the list), or a mapping with the section as its one key (`risks:` then the list)."""
    if name not in SECTION_FILES:
        raise KeyError(name)
    root = proposal_schema()
    section = root["properties"][name]
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID.replace("proposal-v1", f"{name}-v1"),
        "title": f"buildcase proposal: the {name} section ({name}.yaml)",
        "description": f"{name}.yaml holds the section's value, or `{name}:` and the value. "
        + section.get("description", ""),
        "$defs": root.get("$defs", {}),
        "if": {"type": "object", "required": [name], "maxProperties": 1},
        "then": {"properties": {name: section}},
        "else": section,
    }


def schemas() -> dict[str, dict[str, Any]]:
    """Every schema by file name: proposal.schema.json and <section>.schema.json."""
    return {
        schema_file(): proposal_schema(),
        **{schema_file(name): section_schema(name) for name in SECTION_FILES},
    }


# --- descriptions, examples and clear messages -------------------------------------------


# What a field means and a typical value, by its name, where the model's field has no
# description of its own (only its kind's, such as "A line of text"): the hover then says
# both what to write and in what form.
_MEANINGS: dict[str, tuple[str | None, Any]] = {
    "prepared_by": ("Who prepared the proposal", {"name": "Dana Reyes", "role": "Head of L&D"}),
    "champion": ("The senior sponsor", {"name": "Alex Morgan", "role": "Chief People Officer"}),
    "request": ("What leadership is asked to approve", {"budget": 60000, "participants": 80}),
    "branding": ("A logo and colours for the site and handouts", {"logo": "logo.svg"}),
    "survey": (
        "The internal survey: your own numbers persuade most",
        {
            "title": "New manager pulse survey",
            "conducted": "2026-10",
            "respondents": 140,
            "stats": [{"id": "no-training", "label": "had no training", "value": "72%"}],
        },
    ),
    "evidence": ("Research from outside (or `internal: true` for your own records)", None),
    "goals": ("What the leaders are accountable for; every benefit serves one", None),
    "benefits": ("What's in it for us if we train", None),
    "risks": ("How big the risk is if we don't", None),
    "costs": ("The budget's breakdown; it should add up to request.budget", None),
    "audiences": ("The department heads to win over: each gets a page and a handout", None),
    "objections": ("Questions and answers, grouped by the concern behind them", None),
    "plan": ("The phases, each with its duration", None),
    "measures": ("How results will be shown", None),
    "behaviours": ("The impact map: what people will do differently", None),
    "support": ("Who does what before, during and after the training", None),
    "need": ("Is this a training need at all? The gap and its cause", None),
    "financials": ("How the return is computed", {"horizon_years": 3, "discount_rate": "8%"}),
    "campaign": ("The L&D team's record of winning approval", None),
    "consulted": ("Leaders consulted", None),
    "questions": ("Questions asked, and the answers", None),
    "decision": ("The decision", {"status": "approved", "date": "2027-01-15"}),
    "conditions": ("The conditions set with the decision", ["Report back after the pilot"]),
    "report_back": ("When to report back", None),
    "pilot": ("The pilot", {"participants": 10, "duration": "4 weeks", "budget": 6000}),
    "follow_up": (
        "The follow-up survey of the people trained",
        {"respondents": 9, "applied": "67%"},
    ),
    "stats": ("The survey's figures, each read '<value> <label>'", None),
    "successes": ("Success cases", None),
    "obstacles": ("What got in the way, for those who did not apply it", None),
    "budget": ("The budget asked for", 60000),
    "participants": ("How many people take part", 80),
    "duration": ("How long it takes", "12 weeks"),
    "decision_by": ("When the decision is needed", "2027-01-31"),
    "email": ("An e-mail address", "you@example.com"),
    "name": ("A person's name", "Dana Reyes"),
    "role": ("A person's role", "Head of Learning & Development"),
    "title": (None, "Coaching skills for first-time managers"),
    "organization": ("The organization", "Northwind Foods"),
    "label": (None, "are asked by friends about Northwind"),
    "id": ("The id other sections cite it by", "fewer-leavers"),
    "owner": ("The leader accountable for it", "CHRO"),
    "metric": ("What is measured", "Voluntary turnover"),
    "detail": ("More on it, in a sentence or two", "Managers who can coach keep their people."),
    "mitigation": ("How training reduces it", "Managers practise stay conversations."),
    "compare": ("The figure it is set against: a percent or a count, as `value`", "40%"),
    "source": ("Who published it, and the title", "Gallup, State of the Global Workplace"),
    "url": ("Where to read it", "https://example.com/study"),
    "population": ("How many people the survey could have reached", 160),
    "cares_about": ("What this leader cares about: a list, or one text", ["Quota attainment"]),
    "discount_rate": ("The rate the gain is discounted at (an NPV)", "8%"),
    "primary": ("The main colour", "#0b6e4f"),
    "accent": ("The accent colour", "#f4a300"),
    "by": ("Who decided", "Executive committee"),
    "date": ("A date", "2026-11-23"),
    "what": (None, "No time set aside for the sessions"),
    "answer": ("The answer", "Sessions are 45 minutes, planned around calendars."),
    "note": (None, "Go on once sessions are in managers' calendars"),
    "language": (None, "en"),
    "amount": (None, 48000),
    "item": ("A line of the budget", "Coaching programme design and delivery"),
    "phase": ("The phase", "Pilot with 10 managers"),
    "concern": ("The objection, as a leader would say it", "Managers have no time."),
    "message": ("The message for this leader", "Coached managers keep their people."),
    "when": (None, "6 months after roll-out"),
}

# The same field name means different things in different places: `title` of a goal is
# not `title` of a risk, and `benefits` in an audience are ids. These come first.
_MEANINGS_IN: dict[str, tuple[str | None, Any]] = {
    "Proposal.title": (
        "The proposal's title, as the executives will read it",
        "Coaching skills for first-time managers",
    ),
    "Proposal.currency": ("The currency of every amount in the proposal", "EUR"),
    "Financials.horizon_years": ("How many years the return is counted over", 3),
    "Cost.amount": ("What this line of the budget costs", 48000),
    "Evidence.year": ("The year it was published", 2024),
    "Success.value": ("What it brought, a year, in money", 12000),
    "Goal.id": ("The goal's id, cited by benefits and risks", "retention"),
    "Goal.title": ("The goal, as the leader who answers for it says it", "Keep our people"),
    "Benefit.id": ("The benefit's id, cited by audiences and behaviours", "fewer-leavers"),
    "Benefit.title": (
        "What's in it for us if we train, in a line",
        "Fewer people leave because of their manager",
    ),
    "Risk.id": ("The risk's id, cited by audiences", "manager-exits"),
    "Risk.title": (
        "What happens if we don't train, in a line",
        "Managers we promoted leave within a year",
    ),
    "Risk.goals": ("The goals this risk threatens, by id", ["retention"]),
    "Risk.evidence": ("The evidence that sizes this risk, by id", ["gallup-2024"]),
    "Evidence.id": ("The evidence's id, cited by benefits and risks", "gallup-2024"),
    "Evidence.label": ("What the figure counts, read after it", "of exits cite the manager"),
    "Evidence.value": ("The figure", "70%"),
    "Stat.id": ("The stat's id, cited by the need and by behaviours", "no-training"),
    "Survey.title": ("The survey's name", "New manager pulse survey"),
    "Survey.conducted": ("When the survey was run", "2026-09"),
    "Audience.id": ("The audience's id: their handout is handout-ID.pdf", "finance"),
    "Audience.title": ("The leader, by role", "Chief Financial Officer"),
    "Audience.benefits": ("The benefits this leader is shown first, by id", ["fewer-leavers"]),
    "Audience.risks": ("The risks this leader is shown first, by id", ["manager-exits"]),
    "Behaviour.id": ("The behaviour's id", "stay-conversation"),
    "Measure.baseline": ("The figure today, before training", "18%"),
    "Measure.target": ("The figure training should reach", "12%"),
    "Measure.when": ("When the target should be reached", "6 months after roll-out"),
    "Support.who": ("Who does it: managers, a sponsor, the L&D team", "Each participant's manager"),
    "Support.does": ("What they do, at that moment", "Agrees one goal with the participant"),
    "Decision.date": ("When it was decided", "2027-01-15"),
    "Decision.note": ("What was decided, in a sentence", "Approved, with the pilot first"),
    "Consulted.leader": ("The leader consulted, by role", "Chief Financial Officer"),
    "Consulted.date": ("When", "2026-10-12"),
    "Question.question": ("The question, as it was asked", "Why not buy an online course?"),
    "ReportBack.date": ("When to report back", "2027-06-30"),
    "ReportBack.what": ("What the report will say", "Application rate after the pilot"),
    "Results.as_of": ("The date the results are counted to", "2027-06-30"),
    "Success.who": ("Who applied it (a role, or a team)", "A regional sales team"),
    "Success.story": (
        "What they did and what it brought",
        "Held stay conversations with six reports; none left that quarter",
    ),
    "Obstacle.what": ("What got in the way", "No time set aside for the sessions"),
    "Benefit.headline": (
        "The title of the deck's benefits slide, in your words: its finding, in place of "
        "the one worded from the figures",
        "Coached agents solve four in five problems at the first contact",
    ),
    "Risk.headline": (
        "The title of the deck's risks slide, in your words: its finding, in place of the "
        "one worded from the figures",
        "One viral post would cost more than the whole programme",
    ),
    "SpeakerNotes.opening": (
        "What to say on the title slide",
        "Open with the 72% who had no training.",
    ),
    "SpeakerNotes.closing": (
        "What to say on the decision slide",
        "Ask for the pilot by name, then stop talking.",
    ),
}


def _complete(schema: dict[str, Any]) -> None:
    """Give every property a description and an example, and say "this or nothing" as
    if/then/else rather than anyOf, so that a validator reports the real mistake instead of
    "not valid under any of the given schemas"."""
    defs: dict[str, Any] = schema.get("$defs", {})
    generic = _kind_descriptions()
    for model, owner in [("Proposal", schema), *defs.items()]:
        for key, prop in owner.get("properties", {}).items():
            _optional_as_condition(prop)
            _one_or_many(prop, _field_metadata(model, key))
            # A section's name means the section only at the top: `goals` in a benefit
            # are ids, described as such.
            top = owner is schema or key not in schema.get("properties", {})
            meaning, example = _MEANINGS_IN.get(f"{model}.{key}") or (
                _MEANINGS.get(key, (None, None)) if top else (None, None)
            )
            own = prop.get("description")
            if meaning and (not own or own in generic):
                prop["description"] = f"{meaning}. {own}" if own else meaning
            elif not own:
                target = _target(prop, defs)
                prop["description"] = target.get("description") or key.replace("_", " ")
            if example is not None and (own in generic or "examples" not in prop):
                prop["examples"] = [example]
            elif "examples" not in prop:
                prop["examples"] = [_example(prop, defs, depth=0)]
            prop.pop("title", None)  # pydantic's title is the key, capitalized: no help


def _kind_descriptions() -> set[str]:
    """The descriptions the value kinds give (a field's own description says more)."""
    from pydantic import TypeAdapter

    from buildcase.models import values

    found = set()
    for name in values.__all__:
        kind = getattr(values, name)
        if callable(kind) and not hasattr(kind, "__metadata__"):
            continue
        description = TypeAdapter(kind).json_schema().get("description")
        if isinstance(description, str):
            found.add(description)
    return found


def _field_metadata(model: str, key: str) -> list[Any]:
    from buildcase.models import plan, results, sections

    modules = (sections, plan, results)
    cls = next((getattr(m, model) for m in modules if hasattr(m, model)), None)
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or key not in cls.model_fields:
        return []
    return list(cls.model_fields[key].metadata)


def _one_or_many(prop: dict[str, Any], metadata: list[Any]) -> None:
    """A list that may be written as its one entry (`cares_about: Quota`, `answers: Yes`),
    as its parser accepts it (`as_list`); and the least entries of a list of ids, which the
    schema of their kind (one id or a list) hides from pydantic's."""
    from annotated_types import MinLen
    from pydantic.functional_validators import BeforeValidator

    from buildcase.models.parsers import as_list

    least = next((m.min_length for m in metadata if isinstance(m, MinLen)), None)
    if "then" in prop and least:
        prop["then"]["minItems"] = least
    one = any(isinstance(m, BeforeValidator) and m.func is as_list for m in metadata)
    if not one or prop.get("type") != "array" or not isinstance(prop.get("items"), dict):
        return
    array = {k: prop.pop(k) for k in ("type", "items", "minItems", "maxItems") if k in prop}
    prop.update({"if": {"type": "array"}, "then": array, "else": array["items"]})


def _optional_as_condition(prop: dict[str, Any]) -> None:
    options = prop.get("anyOf")
    if not isinstance(options, list) or {"type": "null"} not in options or len(options) != 2:
        return
    (value,) = [o for o in options if o != {"type": "null"}]
    del prop["anyOf"]
    for key in ("description", "examples"):  # the kind's, unless the field has its own
        if key in value and key not in prop:
            prop[key] = value[key]
    prop.update({"if": {"type": "null"}, "then": True, "else": value})


def _target(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The schema a property's value follows, through `$ref`, `else` and `items`."""
    for key in ("else", "items"):
        if isinstance(prop.get(key), dict):
            return _target(prop[key], defs)
    ref = prop.get("$ref")
    if isinstance(ref, str):
        return dict(defs.get(ref.rsplit("/", 1)[-1], {}))
    return prop


def _example(prop: dict[str, Any], defs: dict[str, Any], depth: int) -> Any:
    """An example value built from the examples of the parts."""
    if prop.get("examples"):
        return copy.deepcopy(prop["examples"][0])
    if "default" in prop and prop["default"] not in (None, [], {}):
        return prop["default"]
    for key in ("else", "$ref"):
        if key in prop:
            target = prop[key] if key == "else" else _target(prop, defs)
            if isinstance(target, dict):
                return _example(target, defs, depth + 1)
    if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
        return [_example(prop["items"], defs, depth + 1)]
    if "properties" in prop and depth < 6:
        required = prop.get("required") or list(prop["properties"])[:1]
        return {k: _example(prop["properties"][k], defs, depth + 1) for k in required}
    if "enum" in prop:
        return prop["enum"][0]
    return True if prop.get("type") == "boolean" else ""
