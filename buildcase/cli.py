"""The command line: parse options (`cli_parser`), call the library, print what happened.

This is the one place where exceptions become messages. Exit codes: 0 success, 1 a
proposal has errors or could not be built, 2 the command itself is wrong.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from buildcase.cli_parser import argument_parser
from buildcase.errors import (
    BuildcaseError,
    Problem,
    ProposalInvalid,
    RenderError,
    WorkspaceError,
    display_path,
    problem_text,
)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    """Run the command `argv` names (the process's arguments by default); its exit code,
    every exception it raises said as a message."""
    args = argument_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except WorkspaceError as e:
        _debug(args)
        say(f"buildcase: error: {e}")
        return EXIT_USAGE
    except ProposalInvalid as e:
        _debug(args)
        _print_problems(e.problems)
        return EXIT_ERRORS
    except BuildcaseError as e:
        _debug(args)
        _print_error(e)
        return EXIT_ERRORS
    except BrokenPipeError:  # `buildcase schema | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt as e:
        say("buildcase: interrupted; earlier output is unchanged")
        return 128 + (e.signum if isinstance(e, Stopped) else signal.SIGINT)
    except OSError as e:  # the file system said no where buildcase did not expect it to
        _debug(args)
        where = f"{e.filename}: " if e.filename else ""
        say(f"buildcase: error: {where}{e.strerror or e}")
        return EXIT_ERRORS
    except Exception as e:  # a bug: say so plainly, and how to see more
        if getattr(args, "debug", False):
            raise
        say(f"buildcase: internal error: {e!r}; run again with --debug and report it")
        return EXIT_ERRORS


class Stopped(KeyboardInterrupt):
    """Raised in the main thread when the process is asked to stop (SIGTERM, SIGHUP or
    SIGINT), so that every `finally` runs: staging and temporary folders are removed and
    the previous output stays as it was. A KeyboardInterrupt, so that no `except
    Exception` takes it for one proposal's failure."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


@contextmanager
def stopping_cleanly() -> Iterator[None]:
    """While a command writes files, turn the first signal asking it to stop into
    Stopped, and ignore the next ones while it cleans up. Forked workers get the default
    handling back (they die at once; their parent stops them and cleans up after them)."""

    def stop(signum: int, frame: object) -> None:
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise Stopped(signum)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals: main() called from elsewhere
        return
    saved = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    _reset_signals_in_forks()
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def _reset_signals_in_forks() -> None:
    """Once per process: a forked worker takes the default handling of STOP_SIGNALS."""
    global _forks_reset
    if not _forks_reset:
        os.register_at_fork(after_in_child=_default_signals)
        _forks_reset = True


def _default_signals() -> None:
    for number in STOP_SIGNALS:
        try:
            signal.signal(number, signal.SIG_DFL)
        except ValueError:  # forked from a thread that is not the main one
            return


_forks_reset = False


def _debug(args: argparse.Namespace) -> None:
    if getattr(args, "debug", False):
        say(traceback.format_exc(), end="")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# Characters a terminal acts on instead of showing: the C0 controls but for the newline and
# tab that messages are laid out with (ESC begins a command that moves the cursor,
# recolours, or retitles the window), DEL, the C1 controls (0x9b begins a command as ESC [
# does), the bidirectional controls that reorder what follows them (U+202E shows
# `report\u202etxt.exe` as `reportexe.txt`), and lone surrogates (what a file name that is
# not UTF-8 decodes to: printing one would fail).
_ACTED_ON = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
CLEAR_LINE = "\r\033[K"  # to the start of the line, and clear it: the progress bar's


def say(message: str, *, out: bool = False, end: str = "\n", before: str = "") -> None:
    """Print a message: to stderr, or to stdout where `out`. Every message of the command
    line is printed here, and shown `visible`: whatever file name or value it quotes, a
    proposal cannot write to the terminal. `before` is the only way in for terminal codes,
    and only buildcase's own (CLEAR_LINE)."""
    stream = sys.stdout if out else sys.stderr
    print(before + visible(message), end=end, file=stream, flush=True)


def visible(text: str) -> str:
    """`text` with every character a terminal would act on (see _ACTED_ON) shown as its
    escape instead: `\\x1b`, `\\u202e`."""
    return _ACTED_ON.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        say(problem_text(problem))


# --- commands ----------------------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    from buildcase.commands.new import new_proposal

    folder = new_proposal(Path.cwd(), args.slug)
    say(f"created {display_path(folder)}/proposal.yaml", out=True)
    say(f"next: edit it, then `buildcase build {display_path(folder)}`", out=True)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from buildcase.commands.check import check_proposal
    from buildcase.workspace import proposal_folders

    folders = proposal_folders(Path.cwd(), args.proposals)
    failed = 0
    for folder in folders:
        try:
            _, warnings = check_proposal(folder, args.strict, Path.cwd(), layout=True)
        except ProposalInvalid as e:
            _print_problems(e.problems)
            failed += 1
            continue
        _print_problems(warnings)
    ok = len(folders) - failed
    say(f"checked {plural(len(folders), 'proposal')}: {ok} ok, {failed} with errors", out=True)
    return EXIT_ERRORS if failed else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from buildcase.commands.build import build
    from buildcase.engines.weasyprint import has_fast_font_subsetting
    from buildcase.workspace import proposal_folders

    folders = proposal_folders(Path.cwd(), args.proposals)
    if not has_fast_font_subsetting():
        say(
            "buildcase: warning: libharfbuzz-subset0 is not installed: handouts render about "
            "twice as slowly (apt-get install libharfbuzz-subset0)"
        )
    progress = _progress_bar if sys.stderr.isatty() else _progress_lines
    with stopping_cleanly():
        out = args.out or Path("internal" if args.internal else "site")
        report = build(
            folders, Path.cwd(), out, strict=args.strict, paper=args.paper,
            force=args.force, jobs=args.jobs, progress=progress if len(folders) > 1 else None,
            audience=args.audience, internal=args.internal, formats=args.formats,
        )  # fmt: skip
    if sys.stderr.isatty() and len(folders) > 1:
        say("", before=CLEAR_LINE, end="")  # clear the bar
    for built in report.built:
        for warning in built.warnings:
            say(warning)
        _print_problems(built.left_out.values())  # handouts too long: the rest is published
        where = display_path(built.folder)
        handout = f"{where}/handout.pdf ({plural(built.handout_pages, 'page')}), "
        deck = f"{where}/present.html" + (" and .pdf" if "present.pdf" in built.later else "")
        deck += "".join(f", {name}" for name in ("deck.pptx", "model.xlsx") if name in built.later)
        left_out = f"; left out: {', '.join(built.left_out)}" if built.left_out else ""
        say(
            f"built {built.slug}: {where}/index.html ({built.pages} pages), "
            f"{'' if 'handout.pdf' in built.left_out else handout}{deck} "
            f"in {built.seconds:.1f} s{left_out}",
            out=True,
        )
    for failed in report.failed:
        _print_error(failed.error)
        say(f"failed {display_path(failed.folder)}: its earlier output is unchanged")
    if report.portfolio_error:
        _print_error(report.portfolio_error)
    total = len(report.built) + len(report.skipped) + len(report.failed)
    too_long = report.left_out
    say(
        f"{plural(total, 'proposal')} into {display_path(report.out)}/ in {report.seconds:.1f} s: "
        f"{len(report.built)} built, {len(report.skipped)} unchanged, {len(report.failed)} failed"
        + (f", {plural(too_long, 'handout')} too long left out" if too_long else ""),
        out=True,
    )
    return EXIT_ERRORS if report.failed or report.portfolio_error or too_long else EXIT_OK


def _print_error(error: BuildcaseError) -> None:
    if isinstance(error, ProposalInvalid):
        _print_problems(error.problems)
    elif isinstance(error, RenderError):
        say(str(error))  # it names its file and line
    else:
        say(f"buildcase: error: {error}")


def _progress_bar(done: int, total: int, folder: Path, status: str) -> None:
    width = 30
    filled = width * done // total
    bar = "#" * filled + "." * (width - filled)
    say(f"[{bar}] {done}/{total} {status} {folder.name}", before=CLEAR_LINE, end="")


def _progress_lines(done: int, total: int, folder: Path, status: str) -> None:
    say(f"[{done}/{total}] {status} {folder.name}")


def cmd_present(args: argparse.Namespace) -> int:
    """Build the proposal if it changed, then open its deck: what a presenter types on the
    laptop plugged into the projector."""
    import webbrowser

    from buildcase.commands.build import build
    from buildcase.workspace import proposal_folders

    [folder] = proposal_folders(Path.cwd(), [args.proposal])
    with stopping_cleanly():
        report = build([folder], Path.cwd(), args.out, audience=args.audience)
    for failed in report.failed:
        _print_error(failed.error)
        return EXIT_ERRORS
    name = f"present-{args.audience}.html" if args.audience else "present.html"
    deck = (args.out / folder.resolve().name / name).resolve()
    if not deck.is_file():
        say(f"buildcase: error: {display_path(deck)} was not built")
        return EXIT_ERRORS
    opened = not args.no_open and webbrowser.open(deck.as_uri())
    say(f"{'opened' if opened else 'the deck is'} {deck}", out=True)
    return EXIT_OK


def cmd_guide(args: argparse.Namespace) -> int:
    """Open buildcase's own documentation at a topic: what the `guide:` line under a
    warning asks the author to run."""
    import webbrowser

    from buildcase.commands.guide import TOPICS, guide_site, topic_list, topic_uri, unknown_topic

    if args.list:
        say(topic_list(), out=True)
        return EXIT_OK
    if args.topic is not None and args.topic not in TOPICS:
        say(f"buildcase: error: {unknown_topic(args.topic)}")
        return EXIT_USAGE
    page = topic_uri(guide_site(), args.topic)
    opened = not args.no_open and webbrowser.open(page)
    say(f"{'opened' if opened else 'the page is'} {page}", out=True)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from buildcase.commands.serve import serve

    with stopping_cleanly():
        serve(args.proposal, Path.cwd(), host=args.host, port=args.port, strict=args.strict)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from buildcase.commands.schema import proposal_schema_json

    say(proposal_schema_json(args.section), out=True)
    return EXIT_OK


# Each command's name, as `cli_parser` sets it, and the function that runs it.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "new": cmd_new,
    "check": cmd_check,
    "build": cmd_build,
    "present": cmd_present,
    "guide": cmd_guide,
    "serve": cmd_serve,
    "schema": cmd_schema,
}


if __name__ == "__main__":
    sys.exit(main())
