"""Stage 2, validate: loaded data -> a typed Proposal, or every problem in it, located.

Pydantic checks each value's kind (`kinds` names its errors); `rules` adds what a schema
cannot say (ids that must exist and be unique, a logo that must be an image inside the
folder); `survey` fills in the stats computed from the survey's data; `advice` and
`consistency` add the warnings: what is doubtful rather than wrong; `departments`, `years`
and `results` the rules and warnings of formats 1.1 and 1.2. Every problem is named
by file, line, column and field path.

Validate reads the proposal only: it imports nothing from compute. The checks that need
computed figures (a sample too small to lean on, an overspend, a handout that cannot fit
its two pages) run after compute, in `buildcase.compute.checks`, and report the same way.
"""

from __future__ import annotations

from pydantic import ValidationError

from buildcase.errors import Problem, ProposalInvalid
from buildcase.load import LoadedProposal
from buildcase.models.sections import Proposal
from buildcase.validate.advice import advice_warnings
from buildcase.validate.departments import department_problems, department_warnings
from buildcase.validate.kinds import kind_problems
from buildcase.validate.logo import logo_warnings
from buildcase.validate.results import results_problems, results_references
from buildcase.validate.rules import (
    branding_problems,
    financials_problems,
    language_problems,
    need_problems,
    population_problems,
    reference_problems,
)
from buildcase.validate.survey import stats_from_data
from buildcase.validate.years import years_problems, years_warnings

__all__ = ["validate_proposal"]


def validate_proposal(
    loaded: LoadedProposal, strict: bool = False
) -> tuple[Proposal, list[Problem]]:
    """The typed proposal and its warnings; raises ProposalInvalid if anything is wrong,
    with every problem found (with `strict`, the warnings among them as errors).

    Warnings are returned as warnings even with `strict`: the checks that need the
    computed case follow, after `build_case` (`compute.checks.case_problems`), and
    `compute.checks.only_warnings(problems, strict)` settles them all at once, so that
    `--strict` reports every problem of both together.
    """
    problems = list(loaded.warnings)
    # References are checked on the raw data, so they are reported with kind errors.
    problems += list(reference_problems(loaded.data, loaded.source))
    problems += list(results_references(loaded.data, loaded.source))
    try:
        proposal = Proposal.model_validate(loaded.data)
    except ValidationError as e:
        problems += kind_problems(e.errors(), loaded.source)
        raise ProposalInvalid(_apply_strict(problems, strict)) from None
    problems += list(population_problems(proposal, loaded.source))
    problems += list(branding_problems(proposal, loaded))
    problems += list(language_problems(proposal, loaded.source))
    problems += list(financials_problems(proposal, loaded.source))
    problems += list(need_problems(proposal, loaded.source))
    problems += list(department_problems(proposal, loaded.source))
    problems += list(years_problems(proposal, loaded.source))
    proposal, data_problems = stats_from_data(proposal, loaded)
    problems += data_problems
    proposal, results_found = results_problems(proposal, loaded)
    problems += results_found
    problems += list(advice_warnings(proposal, loaded))
    problems += list(logo_warnings(proposal, loaded))
    problems += list(department_warnings(proposal, loaded.source))
    problems += list(years_warnings(proposal, loaded.source))
    problems = sorted(problems, key=lambda p: (p.location, p.field))
    if any(p.severity == "error" for p in problems):
        raise ProposalInvalid(_apply_strict(problems, strict))
    return proposal, problems


def _apply_strict(problems: list[Problem], strict: bool) -> list[Problem]:
    return [p.as_error() for p in problems] if strict else problems
