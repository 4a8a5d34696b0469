"""Benchmark buildcase against the bare tools it wraps (MkDocs + WeasyPrint).

Run it from anywhere:

    python benchmarks/run.py [--n 50] [--repeats 5] [--out benchmarks/out] [--seed 7]
                             [--code checkout|installed] [--keep]

It generates N proposals varied from the examples in proposals/ (deterministic for a seed)
in a temporary workspace, writes for each the very inputs the bare tools need (the same
Markdown pages, a standalone mkdocs.yml with buildcase's configuration, the handout HTML
next to a copy of the fonts, each deck's HTML as buildcase lays it out for its PDF), then
times bare and buildcase runs interleaved, `--repeats` times, and reports medians.
Results go to OUT/results.json and OUT/results.svg.
A generated proposal is a random example with a longer title, its money and head counts
scaled (costs still adding up to the budget), one benefit retitled, its risks reordered
with new likelihoods, and a benefit dropped or duplicated.

Each round runs: bare ONE, buildcase ONE, bare ALL, buildcase ALL (new folder), buildcase
ALL again (same folder), buildcase check ALL, then for ONE: buildcase without the decks'
PDFs, and the bare decks' PDFs alone. Every command must exit 0 and leave its outputs
(index.html, the handout and the deck's PDF of each proposal), or the benchmark stops with
its output.

The bare script, per proposal and one after another:
    mkdocs build -q -f <slug>/mkdocs.yml
    weasyprint <slug>-<handout>.html <slug>-<handout>.pdf   (for each handout buildcase
    makes: the executives' and one per department head, from the very same HTML)
    weasyprint -s deck-print.css <slug>-<deck>.html <slug>-<deck>.pdf   (for each deck:
    the executives', one per department head, the results'; from the HTML buildcase's
    engine lays out, `engines.weasyprint.decks.printable`, with the same print stylesheet)
    python -c BARE_PACK <slug>-<file>.task <slug>-<file>   (for each file of the board pack:
    every deck's PowerPoint and model.xlsx; a process a file, from the task buildcase's
    engine is given, pickled beforehand, through the same python-pptx or XlsxWriter calls)
(NO_MKDOCS_2_WARNING=1; the executables of this Python's bin folder, not pyenv shims.
buildcase writes a tagged PDF/UA-1 where the bare weasyprint writes a plain PDF.)

buildcase runs as `python -m buildcase`, cwd the workspace. With `--code checkout` (the
default) PYTHONPATH is this checkout, so the code measured is this checkout's even when
`buildcase` on PATH is an editable install of another copy; `--code installed` measures
whatever `import buildcase` finds (the `buildcase` command's code). The library calls that
write the bare inputs use the same code. results.json records which module was used.

Targets, each a ratio (lower is better); "cold" means a fresh process and output folder:
    T1  one proposal cold: `buildcase build ONE --out NEW` / bare script for ONE    <= 0.6
    T2  N proposals cold: `buildcase build ALL --out NEW` / bare script for ALL     <= 0.25
    T3  nothing changed: a second `buildcase build ALL` into the same, already built
        folder / the cold `buildcase build ALL` of T2                               <= 0.05
    T4  `buildcase check ALL` / the cold `buildcase build ALL` of T2                <= 0.1
    T5  edit loop, in one warm process: after a YAML edit, the rebuild `buildcase serve`
        makes (buildcase.commands.serve.Preview.rebuild: the page; the handout follows) / a warm
        in-process MkDocs build of the same pages (load_config + build; one untimed
        run first)                                                                   <= 1.2
    T6  memory: peak RSS of `buildcase build ALL` / of `buildcase build ONE`        <= 2.0
        (per child, from os.wait4's rusage)
    T7  the decks' PDFs (issue 27): `buildcase build ONE` cold / the same build without
        the decks' PDFs (buildcase run with `pipeline.deck_pdfs` making none)         <= 1.25
    T8  the decks' PDFs against the bare tool, in CPU time (user + system): what
        buildcase's engine spends making ONE's decks' PDFs, in a fresh process that has
        imported WeasyPrint, as a build's worker has for its handouts / what the bare
        `weasyprint` takes to make the same PDFs                                    <= 0.6
    T9  the board pack (issue 29): `buildcase build ONE` cold / the same build with
        `--formats none` (no deck.pptx, no model.xlsx)                              <= 1.25
    T10 the sensitivity work (issue 28): every driver's break-even, the tornado's swings
        and the what-if panel's model, computed for ONE in this process (a fresh case
        each time, imports warm) / the cold `buildcase build ONE` of T1               <= 0.1
    T11 a handout (issue 32), warm in this process: the executives' handout of ONE as
        buildcase's engine makes it (PDF/UA-1) / the same handout made by Typst, the floor
        (benchmarks/typst_floor.py: the same text, tables, charts and fonts; the median of
        fresh copies compiled by one warm compiler)                                 <= 3.0
    T12 save to page (issue 32), in seconds, not a ratio: `buildcase serve` on a copy of
        ONE, headless Chromium on its start page, one benefit's value edited 2 x REPEATS
        times (at least 3); from the file's write to the frame that paints the new figure
        (benchmarks/save_to_page.py), the median                                   <= 0.3 s

Besides the targets, results.json holds every sample and a breakdown of where the time
goes: process start-up and imports, and each stage of one proposal in a warm process.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import math
import os
import pickle
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:  # imported late below, from the code use_code() chose
    from buildcase.models.sections import Proposal
    from buildcase.render.case import Rendered

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
CODE_PATH: list[str] = []  # where buildcase is imported from first; see use_code()

import yaml  # noqa: E402

BIN = Path(sys.executable).parent
MKDOCS = str(BIN / "mkdocs")
WEASYPRINT = str(BIN / "weasyprint")
BUILDCASE = [sys.executable, "-m", "buildcase"]
HANDOUT = "handout.pdf"
DECK_PDF = "present.pdf"
BOARD_PACK_FILES = ("deck.pptx", "model.xlsx")

GOALS = {
    "T1": 0.6, "T2": 0.25, "T3": 0.05, "T4": 0.1, "T5": 1.2, "T6": 2.0, "T7": 1.25, "T8": 0.6,
    "T9": 1.25, "T10": 0.1, "T11": 3.0,
    "T12": 0.3,
}  # fmt: skip
# What the decks' PDFs cost a cold build of ONE, as the breakdown shows it.
DECK_PDF_SAMPLES = {
    "wall, with": "buildcase_one",
    "wall, without": "buildcase_one_without_deck_pdfs",
    "CPU, with": "buildcase_one_cpu",
    "CPU, without": "buildcase_one_without_deck_pdfs_cpu",
    "CPU, bare weasyprint for the same PDFs": "bare_one_deck_pdfs_cpu",
    "CPU, buildcase's engine for them (T8)": "buildcase_one_deck_pdfs_cpu",
}
# The bare side's board pack: one file a process, from the task pickled beforehand, through
# the very python-pptx or XlsxWriter calls buildcase's engine makes (its writer function),
# without buildcase's pipeline, workers or cache: what a minimal script of those calls costs.
BARE_PACK = [
    sys.executable, "-c",
    "import pickle, sys; from buildcase import engines as e; "
    "task = pickle.loads(open(sys.argv[1], 'rb').read()); "
    "write = e.make_pptx if isinstance(task, e.PptxTask) else e.make_workbook; "
    "open(sys.argv[2], 'wb').write(write(task))",
]  # fmt: skip
# buildcase's engine making ONE's decks' PDFs from their task, pickled beforehand, in a fresh
# process that has imported WeasyPrint first (a build's worker has, for its handouts), for
# T8: the CPU measured around the call, not as the difference of two builds' CPU times,
# which a busy machine once moved by more than the decks take.
DECKS_CPU = [
    sys.executable, "-c",
    "import pickle, sys, time; import weasyprint; from buildcase.engines import make_deck_pdfs; "
    "task = pickle.loads(open(sys.argv[1], 'rb').read()); started = time.process_time(); "
    "make_deck_pdfs(task); print(time.process_time() - started)",
]  # fmt: skip
# buildcase without the decks' PDFs, for T7: the pipeline's one call that makes them stubbed
WITHOUT_DECK_PDFS = (
    "import sys, buildcase.pipeline as p; p.deck_pdfs = lambda *a: {}; "
    "from buildcase.cli import main; sys.exit(main(sys.argv[1:]))"
)


class BenchmarkError(SystemExit):
    """A command failed or produced nothing: the numbers would be meaningless."""

    def __init__(self, message: str):
        super().__init__(f"benchmark failed: {message}")


# --- running commands ------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    max_rss_kb: int
    cpu_seconds: float = 0.0  # user + system, its reaped workers included (wait4's rusage)


def command_env() -> dict[str, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [*CODE_PATH, env.get("PYTHONPATH")]))
    return env


def use_code(which: str) -> None:
    """Measure this checkout's buildcase, or the one Python finds installed."""
    if which == "checkout":
        CODE_PATH.append(str(REPO))
        sys.path.insert(0, str(REPO))
    import buildcase

    if which == "checkout" and Path(buildcase.__file__).parent != REPO / "buildcase":
        raise BenchmarkError(f"imported {buildcase.__file__}, not this checkout's buildcase")


def run_command(cmd: Sequence[str], cwd: Path) -> Run:
    """Run `cmd`; its wall time and peak RSS. Raises BenchmarkError unless it exits 0."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=command_env(), stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            out.seek(0)
            tail = (out.read() + err.read()).decode(errors="replace")[-3000:]
            raise BenchmarkError(
                f"`{' '.join(map(str, cmd))}` (in {cwd}) exited {process.returncode}:\n{tail}"
            )
    return Run(seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


def require_files(paths: Sequence[Path], what: str) -> None:
    missing = [str(p) for p in paths if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise BenchmarkError(f"{what} did not produce {', '.join(missing[:5])}")


# --- generating proposals -------------------------------------------------------------

TITLE_ENDINGS = ["", ", revised", " (2027 budget)", ": phase two", " for the northern region"]
BENEFIT_ENDINGS = [" (year one)", ", measured", " everywhere"]
SCALES = [0.6, 0.75, 0.9, 1.1, 1.25, 1.5]
MAX_BENEFITS_TO_DUPLICATE = 4


def examples() -> list[Path]:
    found = sorted(p for p in (REPO / "proposals").iterdir() if (p / "proposal.yaml").is_file())
    if not found:
        raise BenchmarkError(f"no example proposal in {REPO / 'proposals'}")
    return found


def generated_proposals(workspace: Path, n: int, seed: int) -> list[Path]:
    """N proposal folders under workspace/proposals, each a varied copy of an example."""
    sources = examples()
    folders = []
    for i in range(n):
        rng = random.Random(f"{seed}-{i}")
        source = rng.choice(sources)
        folder = workspace / "proposals" / f"{source.name}-{i:03d}"
        shutil.copytree(source, folder)  # section files, data files (CSV) and all
        files = {p.name: read_yaml(p) for p in sorted(folder.glob("*.yaml"))}
        vary(files, rng)
        for name, data in files.items():
            write_yaml(folder / name, data)
        folders.append(folder)
    return folders


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reading booleans as YAML 1.2 does, as buildcase does: `no` stays the word."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader)


def write_yaml(path: Path, data: Any) -> None:
    """As YAML that reads back the same under 1.1 and 1.2 (`no` comes out quoted)."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")


def section(files: dict[str, Any], key: str) -> Any:
    """The value of a top-level section, wherever it lives: proposal.yaml or its own file
    (which holds `key:` and the value, or the value alone)."""
    for data in files.values():
        if isinstance(data, dict) and key in data:
            return data[key]
    return files.get(f"{key}.yaml")


def vary(files: dict[str, Any], rng: random.Random) -> None:
    """Change the title, scale the money and head counts, retitle a benefit (without its
    detail), drop or duplicate one."""
    root = files["proposal.yaml"]
    root["title"] = root["title"] + rng.choice(TITLE_ENDINGS)
    scale_money(files, rng.choice(SCALES))
    benefits, risks = section(files, "benefits"), section(files, "risks")
    retitled = rng.choice(benefits)
    retitled["title"] = retitled["title"] + rng.choice(BENEFIT_ENDINGS)
    retitled.pop("detail", None)  # so that a longer title keeps a full handout on its pages
    for risk in risks:
        if isinstance(risk.get("likelihood"), str):  # a range stays as the author gave it
            risk["likelihood"] = f"{rng.randrange(10, 75, 5)}%"
    rng.shuffle(risks)
    change = rng.choice(["drop", "duplicate", "keep"])
    if change == "duplicate" and len(benefits) >= MAX_BENEFITS_TO_DUPLICATE:
        change = "drop"  # one benefit more can push the handout past its two pages
    if change == "drop" and len(benefits) > 1:
        dropped = benefits.pop(rng.randrange(len(benefits)))
        forget_benefit(files, dropped["id"])
    elif change == "duplicate":
        twin = copy.deepcopy(rng.choice(benefits))
        twin["id"] = twin["id"] + "-again"
        twin["title"] = "Again: " + twin["title"]
        twin.pop("detail", None)
        benefits.append(twin)


def forget_benefit(files: dict[str, Any], benefit_id: str) -> None:
    """Remove a dropped benefit's citations: audiences and behaviours list it, a head's
    KPI moves it, results report on it; a behaviour left leading to no result goes too."""
    for audience in section(files, "audiences") or []:
        audience["benefits"] = [b for b in audience.get("benefits", []) if b != benefit_id]
        for kpi in audience.get("kpis", []):  # format 1.2: the number stays, unvalued
            if kpi.get("benefit") == benefit_id:
                del kpi["benefit"]
    behaviours = section(files, "behaviours") or []
    for behaviour in behaviours:
        cited = behaviour.get("benefits", [])
        cited = [cited] if isinstance(cited, str) else cited
        behaviour["benefits"] = [b for b in cited if b != benefit_id]
    behaviours[:] = [b for b in behaviours if b["benefits"]]
    results = section(files, "results") or {}
    if results.get("benefits"):
        results["benefits"] = [r for r in results["benefits"] if r.get("benefit") != benefit_id]


def scale_money(files: dict[str, Any], scale: float) -> None:
    """Scale budget, costs, head counts, values and impacts; costs still add up to the budget.

    A figure may be one number or a range {low, likely, high}; anything else is left alone.
    """

    def scaled(value: Any, step: int = 1000, least: int = 1000) -> Any:
        if isinstance(value, dict):
            return {k: scaled(v, step, least) for k, v in value.items()}
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value:
            return max(least, round(value * scale / step) * step)
        return value

    request = section(files, "request") or {}
    for holder in (request, request.get("pilot") or {}):
        for key, step, least in (("budget", 1000, 1000), ("participants", 1, 2)):
            if key in holder:
                holder[key] = scaled(holder[key], step, least)
    costs = section(files, "costs") or []
    for cost in costs:
        cost["amount"] = scaled(cost["amount"])
    amounts = [c["amount"] for c in costs]
    budget = request.get("budget")
    if costs and isinstance(budget, int) and all(isinstance(a, int) for a in amounts):
        costs[-1]["amount"] += budget - sum(amounts)
    for entries, key in (
        (section(files, "benefits"), "annual_value"),
        (section(files, "risks"), "impact"),
    ):
        for entry in entries:
            if key in entry:
                entry[key] = scaled(entry[key])


# --- the bare tools' inputs ------------------------------------------------------------


@dataclass
class BareInputs:
    config: Path  # the standalone mkdocs.yml
    site_dir: Path
    handouts: list[tuple[Path, Path]]  # (html, pdf): every handout buildcase makes
    decks: list[tuple[Path, Path]] = field(default_factory=list)  # (html, pdf): every deck's
    pack: list[tuple[Path, Path]] = field(default_factory=list)  # (task, file): the board pack

    def commands(self) -> list[list[str]]:
        return [
            [MKDOCS, "build", "-q", "-f", str(self.config)],
            *([WEASYPRINT, str(html), str(pdf)] for html, pdf in self.handouts),
            *self.deck_commands(),
            *([*BARE_PACK, str(task), str(made)] for task, made in self.pack),
        ]

    def deck_commands(self) -> list[list[str]]:
        css = str(deck_print_css())
        return [[WEASYPRINT, "-s", css, str(html), str(pdf)] for html, pdf in self.decks]

    def outputs(self) -> list[Path]:
        made = [made for _source, made in [*self.handouts, *self.decks, *self.pack]]
        return [self.site_dir / "index.html", *made]

    @property
    def pdf(self) -> Path:
        return self.handouts[0][1]


def rendered_proposal(folder: Path, workspace: Path) -> tuple[Rendered, Proposal]:
    """buildcase's own rendering of a proposal (pages, nav, handout and deck HTML) and its
    model, with its logo as `build` gives it."""
    from buildcase.commands.check import check_proposal
    from buildcase.compute import build_case
    from buildcase.render.case import render_case
    from buildcase.workspace import template_dirs

    proposal, _warnings = check_proposal(folder)
    case = build_case(proposal, folder.name)
    logo = logo_path(folder, proposal)
    rendered = render_case(
        case, template_dirs(folder, workspace), proposal.paper, handout_date(proposal), None,
        logo.as_uri() if logo else None,
    )  # fmt: skip
    return rendered, proposal


def logo_path(folder: Path, proposal: Proposal) -> Path | None:
    b = proposal.branding
    return Path(os.path.realpath(folder / b.logo)) if b and b.logo else None


def deck_print_css() -> Path:
    """The print stylesheet buildcase lays each deck's PDF out with."""
    from buildcase.engines.weasyprint.decks import PRINT_CSS
    from buildcase.workspace import default_templates_dir

    return default_templates_dir() / PRINT_CSS


def handout_date(proposal: Proposal) -> str:
    """The PDF date buildcase gives the handout."""
    from buildcase.write.moment import pdf_date, source_epoch

    return pdf_date(source_epoch(proposal.date))


def buildcase_assets() -> Path:
    from buildcase.workspace import default_templates_dir

    return default_templates_dir() / "assets"


def standalone_config(
    workspace: Path, nav: list[Any], proposal: Proposal, docs_dir: Path, site_dir: Path
) -> dict[str, Any]:
    """The configuration buildcase gives MkDocs, as one mkdocs.yml of its own.

    buildcase passes site_overrides() as keyword arguments to load_config over the base
    file; load_config drops the ones that are None, so they are dropped here too.
    """
    from markupsafe import escape
    from mkdocs.utils.yaml import yaml_load

    from buildcase.engines.mkdocs import site_overrides
    from buildcase.markup import plain_text, title_html
    from buildcase.workspace import base_config, default_templates_dir

    base_file = base_config(workspace)
    with open(base_file, encoding="utf-8") as f:
        base = yaml_load(f) or {}
    overrides = site_overrides(
        base_file, nav, str(title_html(proposal.title)), proposal.language,
        description=str(escape(plain_text(proposal.summary))),
    )  # fmt: skip
    overrides["theme"].setdefault("custom_dir", str(default_templates_dir() / "overrides"))
    overrides = {k: v for k, v in overrides.items() if v is not None}
    config = {**base, **overrides, "docs_dir": str(docs_dir), "site_dir": str(site_dir)}
    plain: dict[str, Any] = _plain(config)
    return plain


def _plain(value: Any) -> Any:
    """The value with its Markup strings as plain ones, as YAML can write them."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, str) else value


def bare_inputs(folder: Path, workspace: Path, bare_root: Path) -> BareInputs:
    """Write the very pages, config, assets, handout HTML and decks' HTML buildcase would
    build from."""
    from buildcase.engines import deck_pdf_name
    from buildcase.engines.weasyprint.decks import printable, site_files
    from buildcase.workspace.layout import ASSETS

    rendered, proposal = rendered_proposal(folder, workspace)
    root = bare_root / folder.name
    docs = root / "docs"
    docs.mkdir(parents=True)
    for name, text in rendered.pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    # As site.build_site copies them: templates/assets into docs/assets/buildcase.
    shutil.copytree(
        buildcase_assets(), docs / ASSETS, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    config = standalone_config(workspace, rendered.nav, proposal, docs, root / "site")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    handouts = bare_root / "handouts"  # beside a copy of the assets: fonts/Inter-*.otf
    if not handouts.exists():
        shutil.copytree(buildcase_assets(), handouts, ignore=shutil.ignore_patterns("*.py"))
    pairs = []
    for name, text in rendered.handouts.items():  # the executives' and one per audience
        html = handouts / f"{folder.name}-{name.removesuffix('.pdf')}.html"
        html.write_text(text, encoding="utf-8")
        pairs.append((html, html.with_suffix(".pdf")))
    decks = []  # as the deck engine lays each out: its assets from the copy beside them
    site = site_files(handouts, logo_path(folder, proposal))
    for name, text in rendered.decks.items():
        html = handouts / f"{folder.name}-{name}"
        html.write_text(printable(text, site), encoding="utf-8")
        decks.append((html, handouts / f"{folder.name}-{deck_pdf_name(name)}"))
    pack = bare_pack(folder, rendered, proposal, bare_root / "pack")
    return BareInputs(root / "mkdocs.yml", root / "site", pairs, decks, pack)


def bare_pack(
    folder: Path, rendered: Rendered, proposal: Proposal, where: Path
) -> list[tuple[Path, Path]]:
    """The board pack's inputs, each as the task buildcase's engine is given (the deck's
    HTML and its charts' figures; the workbook's cells), pickled beside the file it makes:
    for BARE_PACK, one process a file, as the `weasyprint` command is for a PDF."""
    from buildcase.compute import build_case
    from buildcase.engines import WORKBOOK, PptxTask, WorkbookTask, pptx_name
    from buildcase.render.slides import slide_data
    from buildcase.render.workbook import model_workbook
    from buildcase.write.moment import source_epoch

    case = build_case(proposal, folder.name)
    moment = datetime.datetime.fromtimestamp(source_epoch(proposal.date), datetime.timezone.utc)
    slides, logo = slide_data(case), logo_path(folder, proposal)
    tasks: dict[str, object] = {
        pptx_name(name): PptxTask(html, slides, logo, moment)
        for name, html in rendered.decks.items()
    }
    tasks[WORKBOOK] = WorkbookTask(model_workbook(case, moment))
    where.mkdir(parents=True, exist_ok=True)
    pack = []
    for name, task in tasks.items():
        made = where / f"{folder.name}-{name}"
        source = made.with_name(made.name + ".task")
        source.write_bytes(pickle.dumps(task))
        pack.append((source, made))
    return pack


# --- the timed runs --------------------------------------------------------------------


def bare_script_seconds(inputs: Sequence[BareInputs], cwd: Path) -> float:
    """The bare script over `inputs`, from fresh outputs: its total wall time."""
    for one in inputs:
        shutil.rmtree(one.site_dir, ignore_errors=True)
        for made in one.outputs()[1:]:
            made.unlink(missing_ok=True)
    seconds = 0.0
    for one in inputs:
        for cmd in one.commands():
            seconds += run_command(cmd, cwd).seconds
    require_files([p for one in inputs for p in one.outputs()], "the bare script")
    return seconds


def bare_deck_runs(one: BareInputs, cwd: Path) -> Run:
    """The bare `weasyprint` making the decks' PDFs of one proposal, from fresh: its wall
    and CPU time, all commands together."""
    for _html, pdf in one.decks:
        pdf.unlink(missing_ok=True)
    runs = [run_command(cmd, cwd) for cmd in one.deck_commands()]
    require_files([pdf for _html, pdf in one.decks], "the bare weasyprint")
    return Run(
        sum(r.seconds for r in runs),
        max(r.max_rss_kb for r in runs),
        sum(r.cpu_seconds for r in runs),
    )


def buildcase_build(
    folders: Sequence[Path],
    workspace: Path,
    out: Path,
    deck_pdfs: bool = True,
    options: Sequence[str] = (),
) -> Run:
    paths = [str(f.relative_to(workspace)) for f in folders]
    command = BUILDCASE if deck_pdfs else [sys.executable, "-c", WITHOUT_DECK_PDFS]
    run = run_command([*command, "build", *paths, "--out", str(out), *options], workspace)
    pack = () if "--formats" in options else BOARD_PACK_FILES
    made = ("index.html", HANDOUT, *([DECK_PDF] if deck_pdfs else []), *pack)
    require_files([out / f.name / name for f in folders for name in made], "buildcase build")
    if not deck_pdfs and any((out / f.name / DECK_PDF).exists() for f in folders):
        raise BenchmarkError("buildcase made the decks' PDFs where it was asked not to")
    return run


def deck_task_file(folder: Path, workspace: Path, out: Path) -> Path:
    """The task buildcase's engine is given for the decks' PDFs of `folder`, pickled."""
    from buildcase.engines import DeckTask
    from buildcase.pipeline import Options, handout_task

    rendered, proposal = rendered_proposal(folder, workspace)
    like = handout_task("", folder, Options(workspace, out))
    task = DeckTask(rendered.decks, like.base_dir, like.allowed_dirs, logo_path(folder, proposal))
    path = out / f"{folder.name}-decks.task"
    path.write_bytes(pickle.dumps(task))
    return path


def buildcase_deck_cpu(task_file: Path, cwd: Path) -> float:
    """The CPU seconds buildcase's engine takes to make the decks' PDFs of `task_file`."""
    cmd = [*DECKS_CPU, str(task_file)]
    done = subprocess.run(cmd, cwd=cwd, env=command_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchmarkError(
            f"buildcase's deck engine exited {done.returncode}:\n{done.stderr[-3000:]}"
        )
    return float(done.stdout.split()[-1])


def buildcase_check(folders: Sequence[Path], workspace: Path) -> Run:
    paths = [str(f.relative_to(workspace)) for f in folders]
    return run_command([*BUILDCASE, "check", *paths], workspace)


@dataclass
class Samples:
    """Every timed sample, by name; seconds, or KB for the *_rss ones."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.values[name])


def interleaved_samples(
    folders: list[Path],
    bare: list[BareInputs],
    workspace: Path,
    repeats: int,
    log: Callable[[str], None],
) -> Samples:
    """T1-T4 and T6 samples: bare and buildcase runs alternating, `repeats` rounds."""
    samples = Samples()
    decks = deck_task_file(folders[0], workspace, workspace)
    for r in range(1, repeats + 1):
        one_out, all_out = workspace / f"out-{r}-one", workspace / f"out-{r}-all"
        samples.add("bare_one", bare_script_seconds(bare[:1], workspace))
        one = buildcase_build(folders[:1], workspace, one_out)
        samples.add("buildcase_one", one.seconds)
        samples.add("buildcase_one_cpu", one.cpu_seconds)
        samples.add("buildcase_one_rss", one.max_rss_kb)
        samples.add("bare_all", bare_script_seconds(bare, workspace))
        full = buildcase_build(folders, workspace, all_out)
        samples.add("buildcase_all", full.seconds)
        samples.add("buildcase_all_rss", full.max_rss_kb)
        samples.add("buildcase_all_again", buildcase_build(folders, workspace, all_out).seconds)
        samples.add("buildcase_check_all", buildcase_check(folders, workspace).seconds)
        plain_out = workspace / f"out-{r}-one-without-deck-pdfs"
        without = buildcase_build(folders[:1], workspace, plain_out, deck_pdfs=False)
        samples.add("buildcase_one_without_deck_pdfs", without.seconds)
        samples.add("buildcase_one_without_deck_pdfs_cpu", without.cpu_seconds)
        samples.add("bare_one_deck_pdfs_cpu", bare_deck_runs(bare[0], workspace).cpu_seconds)
        samples.add("buildcase_one_deck_pdfs_cpu", buildcase_deck_cpu(decks, workspace))
        packless_out = workspace / f"out-{r}-one-without-board-pack"
        packless = buildcase_build(
            folders[:1], workspace, packless_out, options=["--formats", "none"]
        )
        samples.add("buildcase_one_without_board_pack", packless.seconds)
        for done in (one_out, all_out, plain_out, packless_out):
            shutil.rmtree(done)
        log(
            f"  round {r}/{repeats}: bare {samples.values['bare_all'][-1]:.1f} s, "
            f"buildcase {full.seconds:.1f} s, again "
            f"{samples.values['buildcase_all_again'][-1]:.1f} s"
        )
    return samples


def edit_loop_samples(
    folder: Path, bare: BareInputs, workspace: Path, repeats: int, samples: Samples
) -> None:
    """T5 samples in this warm process: a MkDocs build of the same pages, then an edit to
    the proposal's YAML and the rebuild `buildcase serve` does (buildcase.commands.serve.Preview:
    the site in process, the handout following in a worker), alternating. The time runs
    from the edit to the rebuilt page being in place; the handout is not waited for."""
    import logging

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from buildcase.commands.serve import Preview

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    preview = Preview(folder, workspace)

    def mkdocs_seconds() -> float:
        started = time.perf_counter()
        mkdocs_build(load_config(str(bare.config)))
        return time.perf_counter() - started

    def edit_and_rebuild_seconds(k: int) -> float:
        edit_budget(folder, k)
        started = time.perf_counter()
        if not preview.rebuild():
            raise SystemExit("the preview rebuild failed")
        return time.perf_counter() - started

    try:
        mkdocs_seconds()  # warm: imports, theme, plugins
        edit_and_rebuild_seconds(0)
        for k in range(1, repeats + 1):
            samples.add("mkdocs_warm", mkdocs_seconds())
            samples.add("buildcase_edit", edit_and_rebuild_seconds(k))
        require_files([preview.root / "index.html"], "the preview rebuild")
    finally:
        preview.close()


def edit_budget(folder: Path, k: int) -> None:
    """One edit a user makes: the budget asked for, in proposal.yaml."""
    path = folder / "proposal.yaml"
    data = read_yaml(path)
    request = data.setdefault("request", {})
    request["budget"] = (request.get("budget") or 100_000) + 1000 * (1 if k % 2 else -1)
    write_yaml(path, data)


# --- where the time goes (informational) ------------------------------------------------


def startup_seconds(workspace: Path, repeats: int) -> dict[str, float]:
    """Median wall time of a fresh Python doing only this import or command."""
    probes = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import weasyprint": [sys.executable, "-c", "import weasyprint"],
        "import mkdocs build + material theme": [
            sys.executable,
            "-c",
            "import mkdocs.commands.build, material.plugins.search.plugin, "
            "material.plugins.offline.plugin",
        ],
        "buildcase --version": [*BUILDCASE, "--version"],
    }
    return {
        name: statistics.median(run_command(cmd, workspace).seconds for _ in range(repeats))
        for name, cmd in probes.items()
    }


def sensitivity_seconds(folder: Path, repeats: int) -> list[float]:
    """T10's samples: what the break-evens, the tornado and the what-if panel's model take
    to compute for one proposal, each on a fresh case (they are cached on a case), after
    one untimed run so that imports are not counted."""
    from buildcase.commands.check import check_proposal
    from buildcase.compute import build_case

    proposal, _ = check_proposal(folder)
    times = []
    for i in range(repeats + 1):
        case = build_case(proposal, folder.name)
        started = time.perf_counter()
        _ = (case.sensitivity, case.holds_if, case.thresholds, case.whatif)
        if i:
            times.append(time.perf_counter() - started)
    return times


def save_to_page_samples(folder: Path, workspace: Path, edits: int, samples: Samples) -> None:
    """T12 samples: each edit's seconds from its save to the served page showing it, in
    headless Chromium, and to its last handout following (benchmarks/save_to_page.py)."""
    from save_to_page import save_to_page_and_handout  # beside this file

    shown, handouts = save_to_page_and_handout(folder, workspace, edits)
    samples.values["save_to_page"], samples.values["save_to_handout"] = shown, handouts


def handout_floor_samples(
    folder: Path, bare: BareInputs, workspace: Path, repeats: int, samples: Samples
) -> None:
    """T11 samples, warm, in this process: the executives' handout as buildcase's engine
    makes it (PDF/UA-1, its re-layouts included), and the same handout in Typst, the
    fastest engine we know (benchmarks/typst_floor.py: the same text, tables, charts and
    fonts)."""
    from typst_floor import typst_handout_seconds

    from buildcase.engines.weasyprint import render_handout
    from buildcase.workspace import template_dirs

    html_file = bare.handouts[0][0]
    html = html_file.read_text(encoding="utf-8")
    allowed = [folder, *template_dirs(folder, workspace)]
    render_handout(html, buildcase_assets(), allowed)  # warm: fonts, the kept parse
    for _ in range(repeats):
        started = time.perf_counter()
        render_handout(html, buildcase_assets(), allowed)
        samples.add("handout_buildcase", time.perf_counter() - started)
    workdir = html_file.parent.parent / "typst" / html_file.stem
    seconds, _pages = typst_handout_seconds(html, html_file.parent, workdir, repeats)
    samples.values["handout_typst"] = seconds


def stage_seconds(
    folder: Path, bare: BareInputs, workspace: Path, repeats: int
) -> dict[str, float]:
    """Median warm in-process time of each stage for one proposal (after one untimed run)."""
    import weasyprint
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from buildcase.commands.check import check_proposal
    from buildcase.engines import PptxTask, WorkbookTask, make_pptx, make_workbook
    from buildcase.engines.weasyprint.decks import render_decks
    from buildcase.workspace import template_dirs

    executives = bare.handouts[0][0]  # the executives' handout
    html = executives.read_text(encoding="utf-8")
    base_url = executives.parent.as_uri() + "/"

    def pdf(variant: str | None) -> Callable[[], object]:
        return lambda: weasyprint.HTML(string=html, base_url=base_url).write_pdf(
            pdf_variant=variant
        )

    decks = rendered_proposal(folder, workspace)[0].decks
    allowed = [folder, *template_dirs(folder, workspace)]

    def deck_pdfs() -> None:
        render_decks(decks, buildcase_assets(), allowed)

    tasks = [pickle.loads(task.read_bytes()) for task, _made in bare.pack]
    decks_pptx = [t for t in tasks if isinstance(t, PptxTask)]

    def pptx() -> None:
        for task in decks_pptx:
            make_pptx(task)

    def workbook() -> None:
        for task in tasks:
            if isinstance(task, WorkbookTask):
                make_workbook(task)

    stages = {
        "load + validate (check_proposal)": lambda: check_proposal(folder),
        "load + validate + compute + render": lambda: rendered_proposal(folder, workspace),
        "handout: weasyprint, PDF/UA-1": pdf("pdf/ua-1"),
        "handout: weasyprint, plain PDF": pdf(None),
        "site: mkdocs load_config + build": lambda: mkdocs_build(load_config(str(bare.config))),
        f"every deck's PDF ({len(decks)}): weasyprint, PDF/UA-1": deck_pdfs,
        f"every deck's PowerPoint ({len(decks_pptx)}): python-pptx": pptx,
        "the model's workbook: XlsxWriter": workbook,
    }
    results = {}
    for name, stage in stages.items():
        stage()
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            stage()
            times.append(time.perf_counter() - started)
        results[name] = statistics.median(times)
    return results


# --- results -----------------------------------------------------------------------------


@dataclass
class Result:
    target: str
    what: str
    reference: float
    buildcase: float
    unit: str
    ratio: float
    goal: float
    met: bool


def results(samples: Samples, n: int) -> list[Result]:
    m = samples.median
    rows = [
        ("T1", "one proposal cold / bare script", "bare_one", "buildcase_one", "s"),
        (
            "T2",
            f"{n} proposals cold / bare script",
            "bare_all",
            "buildcase_all",
            "s",
        ),
        ("T3", f"{n} unchanged, rebuilt / cold build", "buildcase_all", "buildcase_all_again", "s"),
        ("T4", f"check {n} / cold build of {n}", "buildcase_all", "buildcase_check_all", "s"),
        ("T5", "edit + serve rebuild / warm mkdocs", "mkdocs_warm", "buildcase_edit", "s"),
        ("T6", f"peak RSS: build {n} / build one", "buildcase_one_rss", "buildcase_all_rss", "MB"),
        (
            "T7",
            "one cold / the same without decks' PDFs",
            "buildcase_one_without_deck_pdfs",
            "buildcase_one",
            "s",
        ),
        (
            "T8",
            "decks' PDFs, engine / bare, CPU time",
            "bare_one_deck_pdfs_cpu",
            "buildcase_one_deck_pdfs_cpu",
            "s",
        ),
        ("T9", "one cold / the same without the board pack", "buildcase_one_without_board_pack",
         "buildcase_one", "s"),
        ("T10", "sensitivity, in process / one cold build", "buildcase_one", "sensitivity", "s"),
        ("T11", "a handout, warm / the same in Typst", "handout_typst", "handout_buildcase", "s"),
        ("T12", "save to page in a browser, s (/ 1 s)", "one_second", "save_to_page", "s"),
    ]  # fmt: skip
    out = []
    for target, what, ref, ours, unit in rows:
        scale = 1 / 1024 if unit == "MB" else 1
        reference, value = m(ref) * scale, m(ours) * scale
        ratio = value / reference
        goal = GOALS[target]
        out.append(Result(target, what, reference, value, unit, ratio, goal, ratio <= goal))
    return out


def table(rows: list[Result]) -> str:
    lines = [
        f"{'target':6} {'what':40} {'reference':>10} {'buildcase':>10} {'ratio':>7} "
        f"{'goal':>6}  met?"
    ]
    for r in rows:
        lines.append(
            f"{r.target:6} {r.what:40} {r.reference:>7.2f} {r.unit:<2} {r.buildcase:>7.2f} "
            f"{r.unit:<2} {r.ratio:>7.3f} {r.goal:>6.2f}  {'yes' if r.met else 'NO'}"
        )
    return "\n".join(lines)


def svg_chart(rows: list[Result]) -> str:
    """A horizontal bar per target: its ratio on a log scale, the goal as a dashed mark."""
    left, width, row_h, top = 260, 440, 34, 40
    lo, hi = 0.01, 10.0
    height = top + row_h * len(rows) + 40

    def x(value: float) -> float:
        clamped = min(max(value, lo), hi)
        return left + width * (math.log10(clamped) - math.log10(lo)) / (
            math.log10(hi) - math.log10(lo)
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 140}" '
        f'height="{height}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="#fff"/>',
        '<text x="10" y="22" font-size="14" font-weight="bold">buildcase / reference '
        "(log scale; lower is better; dashed = goal)</text>",
    ]
    for tick in (0.01, 0.1, 1, 10):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" '
            f'y2="{top + row_h * len(rows)}" stroke="#ddd"/>'
            f'<text x="{x(tick):.1f}" y="{top + row_h * len(rows) + 16}" '
            f'text-anchor="middle" fill="#555">{tick:g}</text>'
        )
    for i, r in enumerate(rows):
        y = top + i * row_h
        colour = "#2e7d32" if r.met else "#c62828"
        parts += [
            f'<text x="10" y="{y + 20}">{escape(r.target + "  " + r.what)}</text>',
            f'<rect x="{left}" y="{y + 8}" width="{x(r.ratio) - left:.1f}" height="16" '
            f'fill="{colour}"/>',
            f'<line x1="{x(r.goal):.1f}" y1="{y + 3}" x2="{x(r.goal):.1f}" y2="{y + 29}" '
            f'stroke="#000" stroke-width="2" stroke-dasharray="4 3"/>',
            f'<text x="{left + width + 12}" y="{y + 20}">{r.ratio:.3g} (goal {r.goal:g})</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def environment() -> dict[str, Any]:
    import mkdocs
    import weasyprint

    import buildcase

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "commit": commit or None,
        "buildcase_module": buildcase.__file__,
        "buildcase_assets": str(buildcase_assets()),
        "mkdocs": mkdocs.__version__,
        "weasyprint": weasyprint.__version__,
    }


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50, help="proposals to generate (default 50)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of each timing")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    parser.add_argument(
        "--code",
        choices=["checkout", "installed"],
        default="checkout",
        help="measure this checkout's buildcase (default) or the installed one",
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeats < 1:
        parser.error("--n and --repeats must be at least 1")

    use_code(args.code)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    workspace = Path(tempfile.mkdtemp(prefix="buildcase-bench-"))
    try:
        shutil.copyfile(REPO / "mkdocs.yml", workspace / "mkdocs.yml")
        folders = generated_proposals(workspace, args.n, args.seed)
        run_command([*BUILDCASE, "check", *map(str, folders)], workspace)
        log(f"generated {args.n} proposals in {workspace}")
        bare = [bare_inputs(f, workspace, workspace / "bare") for f in folders]
        log("wrote the bare tools' inputs; timing")
        samples = interleaved_samples(folders, bare, workspace, args.repeats, log)
        edit_loop_samples(folders[0], bare[0], workspace, args.repeats, samples)
        samples.values["sensitivity"] = sensitivity_seconds(folders[0], max(3, args.repeats))
        handout_floor_samples(folders[0], bare[0], workspace, max(3, args.repeats), samples)
        log("timed a handout against Typst; timing save to page in a browser")
        edits = max(3, 2 * args.repeats)
        save_to_page_samples(folders[0], workspace, edits, samples)
        samples.values["one_second"] = [1.0]
        log("timed the edit loop; measuring where the time goes")
        breakdown = {
            "startup_s": startup_seconds(workspace, 3),
            "one_proposal_warm_stages_s": stage_seconds(folders[0], bare[0], workspace, 3),
            "serve_s": {
                "save to page (T12)": samples.median("save_to_page"),
                "save to the last handout following": samples.median("save_to_handout"),
            },
            "one_proposal_cold_deck_pdfs_s": {
                name: samples.median(key) for name, key in DECK_PDF_SAMPLES.items()
            },
        }
        rows = results(samples, args.n)
        total = time.perf_counter() - started
        args.out.mkdir(parents=True, exist_ok=True)
        report = {
            "settings": {
                "n": args.n,
                "repeats": args.repeats,
                "seed": args.seed,
                "code": args.code,
            },
            "environment": environment(),
            "total_seconds": round(total, 1),
            "targets": [asdict(r) for r in rows],
            "breakdown": breakdown,
            "samples": samples.values,
        }
        (args.out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
        (args.out / "results.svg").write_text(svg_chart(rows))
        print()
        print(table(rows))
        print()
        for group, values in breakdown.items():
            print(group + ": " + ", ".join(f"{k} {v:.2f}" for k, v in values.items()))
        print(f"\n{args.n} proposals x {args.repeats} rounds in {total:.0f} s; wrote {args.out}/")
    finally:
        if args.keep:
            print(f"kept {workspace}")
        else:
            shutil.rmtree(workspace, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
