"""What `check` says of a proposal's own templates, before any build: the files the
confined loader refuses, the templates that do not compile, and what a trial render in
the sandbox refuses."""

from __future__ import annotations

from pathlib import Path

import jinja2

from buildcase.compute import Case
from buildcase.errors import Location, Problem, RenderError
from buildcase.load.templates import refused_entries
from buildcase.render.case import render_case
from buildcase.render.environment import environment_for
from buildcase.render.sandbox import ConfinedLoader, ConfinedRenderFailed, run_confined


def template_problems(case: Case, search_path: list[Path], untrusted: Path) -> list[Problem]:
    """What `check` says of a proposal's own templates: what the confined loader refuses,
    syntax errors with their line, and what a trial render in the sandbox refuses (the
    render the build would do, without the engines)."""
    refused = refused_entries(untrusted)
    if refused:
        return [Problem(Location(path), "templates", why) for path, why in refused]
    env = environment_for(search_path, untrusted)
    try:
        problems = run_confined(lambda: _syntax_problems(env, untrusted))
        if not problems:
            render_case(case, search_path, case.proposal.paper, "", None, None, untrusted)
    except ConfinedRenderFailed as e:
        return [Problem(Location(untrusted), "templates", str(e))]
    except RenderError as e:
        return [Problem(e.location or Location(untrusted), "templates", e.message)]
    return problems


def _syntax_problems(env: jinja2.Environment, untrusted: Path) -> list[Problem]:
    """Every template of the proposal's own that does not compile, with its line."""
    problems = []
    for name in ConfinedLoader(untrusted).list_templates():
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as e:
            where = Location(Path(e.filename or untrusted / name), e.lineno or 1)
            problems.append(Problem(where, "templates", f"template syntax: {e.message}"))
    return problems
