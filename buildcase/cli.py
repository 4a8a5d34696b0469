"""The command line: parse options, call the library, print what happened.

This is the one place where exceptions become messages. Exit codes: 0 success, 1 a
proposal has errors or could not be built, 2 the command itself is wrong.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from . import __version__
from .errors import BuildcaseError, ProposalInvalid, WorkspaceError, display_path

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
PROPOSALS_HELP = "a proposal folder (default: every folder under proposals/)"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except WorkspaceError as e:
        _debug(args)
        print(f"buildcase: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ProposalInvalid as e:
        _debug(args)
        _print_problems(e.problems)
        return EXIT_ERRORS
    except BuildcaseError as e:
        _debug(args)
        print(
            f"buildcase: {e}" if str(e).startswith("error") else f"buildcase: error: {e}",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    except KeyboardInterrupt:
        print("buildcase: interrupted; earlier output is unchanged", file=sys.stderr)
        return 130


def _debug(args: argparse.Namespace) -> None:
    if getattr(args, "debug", False):
        traceback.print_exc()


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _print_problems(problems) -> None:  # type: ignore[no-untyped-def]
    for problem in problems:
        print(problem, file=sys.stderr)


# --- commands ----------------------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    from .workspace import new_proposal

    folder = new_proposal(Path.cwd(), args.slug)
    print(f"created {display_path(folder)}/proposal.yaml")
    print(f"next: edit it, then `buildcase build {display_path(folder)}`")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .build import check_proposal
    from .workspace import proposal_folders

    folders = proposal_folders(Path.cwd(), args.proposals)
    failed = 0
    for folder in folders:
        try:
            _, warnings = check_proposal(folder, strict=args.strict)
        except ProposalInvalid as e:
            _print_problems(e.problems)
            failed += 1
            continue
        _print_problems(warnings)
    ok = len(folders) - failed
    print(f"checked {plural(len(folders), 'proposal')}: {ok} ok, {failed} with errors")
    return EXIT_ERRORS if failed else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build
    from .workspace import proposal_folders

    folders = proposal_folders(Path.cwd(), args.proposals)
    report = build(folders, Path.cwd(), args.out, strict=args.strict, paper=args.paper)
    for built in report.built:
        for warning in built.warnings:
            print(warning, file=sys.stderr)
        where = display_path(built.folder)
        print(
            f"built {built.slug}: {where}/index.html ({built.pages} pages), "
            f"{where}/handout.pdf ({plural(built.handout_pages, 'page')}) "
            f"in {built.seconds:.1f} s"
        )
    for failed in report.failed:
        error = failed.error
        if isinstance(error, ProposalInvalid):
            _print_problems(error.problems)
        else:
            print(
                error if str(error).startswith(("error", "proposals", "/")) else f"error: {error}",
                file=sys.stderr,
            )
        print(
            f"failed {display_path(failed.folder)}: its earlier output is unchanged",
            file=sys.stderr,
        )
    n = len(report.built) + len(report.failed)
    print(
        f"{len(report.built)} of {plural(n, 'proposal')} built into "
        f"{display_path(report.out)}/ in {report.seconds:.1f} s"
        + (f"; {len(report.failed)} failed" if report.failed else "")
    )
    return EXIT_ERRORS if report.failed else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    serve(args.proposal, Path.cwd(), host=args.host, port=args.port, strict=args.strict)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .workspace import proposal_schema_json

    print(proposal_schema_json())
    return EXIT_OK


# --- the parser --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buildcase",
        description="Turn a training proposal written in YAML into an executive website "
        "and a PDF handout.",
    )
    parser.add_argument("--version", action="version", version=f"buildcase {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    new = commands.add_parser(
        "new", parents=[common], help="start a new proposal under proposals/",
        description="Create proposals/SLUG/ with a valid, commented proposal to edit. "
        "In a folder without mkdocs.yml, set the folder up first. Never overwrites.",
    )  # fmt: skip
    new.add_argument(
        "slug", help="the proposal's name in lowercase-with-dashes; it becomes its web address"
    )
    new.set_defaults(run=cmd_new)

    check = commands.add_parser(
        "check", parents=[common], help="validate proposals without building them",
        description="Validate proposals. Prints each problem as FILE:LINE:COLUMN: error: "
        "MESSAGE; exits 1 if any proposal has errors.",
    )  # fmt: skip
    check.add_argument("proposals", nargs="*", type=Path, metavar="PROPOSAL",
                       help=PROPOSALS_HELP)  # fmt: skip
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(run=cmd_check)

    build = commands.add_parser(
        "build", parents=[common], help="build the site and handout of proposals",
        description="Build each proposal into OUT/SLUG/: the site (index.html) and the "
        "handout (handout.pdf). A proposal that fails keeps its earlier output.",
    )  # fmt: skip
    build.add_argument("proposals", nargs="*", type=Path, metavar="PROPOSAL",
                       help=PROPOSALS_HELP)  # fmt: skip
    build.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                       help="the output folder (default: site/)")  # fmt: skip
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--paper", choices=["a4", "letter"],
                       help="the handout's paper (default: the proposal's, else A4)")  # fmt: skip
    build.set_defaults(run=cmd_build)

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
    serve.set_defaults(run=cmd_serve)

    schema = commands.add_parser(
        "schema", parents=[common], help="print the JSON Schema of the proposal format",
        description="Print the JSON Schema of the proposal format, for YAML editors.",
    )  # fmt: skip
    schema.set_defaults(run=cmd_schema)
    return parser


if __name__ == "__main__":
    sys.exit(main())
