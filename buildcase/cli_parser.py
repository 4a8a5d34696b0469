"""The command line's options: every command, its arguments and its `--help` texts.

`parser()` only describes; `cli.main` runs the command each subparser names (its
`command` default) and turns exceptions into messages.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

from buildcase import __version__

PROPOSALS_HELP = "a proposal folder (default: every folder under proposals/)"


def _count(text: str) -> int:
    """A whole number of at least 1 (`--jobs 0` would build nothing, for ever)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


# What `add_subparsers` returns, to which each command is added.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def argument_parser() -> argparse.ArgumentParser:
    """Every command's options; each subparser sets `command` to its name, for `cli.main`
    to run."""
    top = argparse.ArgumentParser(
        prog="buildcase",
        description="Turn a training proposal written in YAML into an executive website "
        "and a PDF handout.",
    )
    top.add_argument("--version", action="version", version=f"buildcase {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = top.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command(commands, common)
    return top


def _new_command(commands: Commands, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`buildcase new`, added to `commands`."""
    new = commands.add_parser(
        "new", parents=[common], help="start a new proposal under proposals/",
        description="Create proposals/SLUG/ with a valid, commented proposal to edit. "
        "In a folder without mkdocs.yml, set the folder up first. Never overwrites.",
    )  # fmt: skip
    new.add_argument(
        "slug", help="the proposal's name in lowercase-with-dashes; it becomes its web address"
    )
    new.set_defaults(command="new")
    return new


def _check_command(commands: Commands, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`buildcase check`, added to `commands`."""
    check = commands.add_parser(
        "check", parents=[common], help="validate proposals without building them",
        description="Validate proposals. Prints each problem as FILE:LINE:COLUMN: error: "
        "MESSAGE; exits 1 if any proposal has errors.",
    )  # fmt: skip
    check.add_argument("proposals", nargs="*", type=Path, metavar="PROPOSAL",
                       help=PROPOSALS_HELP)  # fmt: skip
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(command="check")
    return check


def _build_command(commands: Commands, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`buildcase build`, added to `commands`."""
    build = commands.add_parser(
        "build", parents=[common], help="build the site, handouts and slides of proposals",
        description="Build each proposal into OUT/SLUG/: the site (index.html), the "
        "handout (handout.pdf) and the slides (present.html, and as a PDF present.pdf), with "
        "a handout and a deck for each audience. A proposal that fails keeps its earlier output.",
    )  # fmt: skip
    build.add_argument("proposals", nargs="*", type=Path, metavar="PROPOSAL",
                       help=PROPOSALS_HELP)  # fmt: skip
    build.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="the output folder (default: site/; internal/ with --internal)",
    )
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--force", action="store_true",
                       help="rebuild even the proposals unchanged since last time")  # fmt: skip
    build.add_argument("--jobs", type=_count, metavar="N",
                       help="worker processes for the engines (default: one per core)")  # fmt: skip
    build.add_argument("--paper", choices=["a4", "letter"],
                       help="the handout's paper (default: the proposal's, else A4)")  # fmt: skip
    build.add_argument("--audience", metavar="ID",
                       help="of the department heads' handouts, make only this audience's "
                            "(beside the executives')")  # fmt: skip
    build.add_argument("--internal", action="store_true",
                       help="the L&D team's own edition, with the pages marked internal (the "
                            "buy-in plan), into internal/ unless --out says otherwise: never "
                            "publish it")  # fmt: skip
    build.add_argument("--formats", type=_formats, default=_formats("pptx,xlsx"),
                       metavar="LIST",
                       help="the board pack to write beside the deck: pptx (deck.pptx, one "
                            "for each deck), xlsx (model.xlsx), both (the default: "
                            "pptx,xlsx) or none")  # fmt: skip
    build.set_defaults(command="build")
    return build


def _formats(text: str) -> frozenset[str]:
    """`--formats`: a comma-separated list of the board pack's formats, or `none`."""
    asked = {part.strip().lower() for part in text.split(",") if part.strip()}
    if asked == {"none"}:
        return frozenset()
    unknown = sorted(asked - {"pptx", "xlsx"})
    if unknown or not asked:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or 'nothing'}: give pptx, xlsx, pptx,xlsx or none"
        )
    return frozenset(asked)


def _present_command(
    commands: Commands, common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """`buildcase present`, added to `commands`."""
    present = commands.add_parser(
        "present", parents=[common], help="build a proposal if needed and open its slides",
        description="Build a proposal if it changed since its last build, then open its "
        "slide deck (OUT/SLUG/present.html) in the default browser, or print its path where "
        "there is none. In the deck: S for the speaker view, Esc for the overview.",
    )  # fmt: skip
    present.add_argument("proposal", type=Path, metavar="PROPOSAL", help="a proposal folder")
    present.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                         help="the output folder (default: site/)")  # fmt: skip
    present.add_argument("--audience", metavar="ID",
                         help="open this department head's deck (present-ID.html)")  # fmt: skip
    present.add_argument("--no-open", action="store_true",
                         help="only print the deck's path")  # fmt: skip
    present.set_defaults(command="present")
    return present


def _guide_command(commands: Commands, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`buildcase guide`, added to `commands`."""
    guide = commands.add_parser(
        "guide", parents=[common], help="open buildcase's documentation at a topic",
        description="Open buildcase's own documentation at TOPIC's page and section, or at "
        "its start page, in the default browser, or print its address where there is none. "
        "The documentation installed with buildcase is built once into your cache folder "
        "and read from disk, offline. Each warning of `check` names its topic.",
    )  # fmt: skip
    guide.add_argument("topic", nargs="?", metavar="TOPIC",
                       help="what to read about, such as pilot-budget (see --list)")  # fmt: skip
    guide.add_argument("--list", action="store_true",
                       help="list every topic with its title, and open nothing")  # fmt: skip
    guide.add_argument("--no-open", action="store_true",
                       help="only print the page's address")  # fmt: skip
    guide.set_defaults(command="guide")
    return guide


def _serve_command(commands: Commands, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`buildcase serve`, added to `commands`."""
    serve = commands.add_parser(
        "serve", parents=[common], help="preview a proposal, rebuilt as you edit",
        description="Build a proposal, serve it on localhost, and rebuild it (site and "
        "handout) whenever its files change; the browser reloads by itself.",
    )  # fmt: skip
    serve.add_argument("proposal", type=Path, metavar="PROPOSAL", help="a proposal folder")
    serve.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="the port (default: 8000)")
    serve.add_argument("--strict", action="store_true", help="treat warnings as errors")
    serve.set_defaults(command="serve")
    return serve


def _schema_command(commands: Commands, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`buildcase schema`, added to `commands`."""
    from buildcase.load import SECTION_FILES

    schema = commands.add_parser(
        "schema", parents=[common], help="print the JSON Schema of the proposal format",
        description="Print the JSON Schema of the proposal format, for YAML editors: of "
        "proposal.yaml, or with --section of a section file such as risks.yaml. "
        "`buildcase new` writes them all into proposals/schema/.",
    )  # fmt: skip
    schema.add_argument(
        "--section", metavar="NAME", choices=SECTION_FILES,
        help="the schema of the section file NAME.yaml instead: one of "
        + ", ".join(SECTION_FILES),
    )  # fmt: skip
    schema.set_defaults(command="schema")
    return schema


# In the order `--help` lists them.
COMMANDS = (
    _new_command,
    _check_command,
    _build_command,
    _present_command,
    _guide_command,
    _serve_command,
    _schema_command,
)
