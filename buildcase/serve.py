"""`buildcase serve`: a live preview that rebuilds the site and handout as the author edits.

Each rebuild goes through the same pipeline as `build`, into a private output folder, so
what the author previews is exactly what `build` will produce. A rebuild that fails
prints its errors and leaves the last good preview on screen.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .build import build_proposal
from .errors import BuildcaseError, ProposalInvalid
from .workspace import CONFIG


def serve(folder: Path, workspace: Path, *, host: str, port: int, strict: bool = False) -> None:
    from .site import serve_live

    with tempfile.TemporaryDirectory(prefix="buildcase-serve-") as tmp:
        out = Path(tmp)

        def rebuild() -> None:
            try:
                built = build_proposal(folder, workspace, out, strict=strict)
            except ProposalInvalid as e:
                for problem in e.problems:
                    print(problem, file=sys.stderr)
                print(
                    "buildcase: not rebuilt; the preview shows the last good build", file=sys.stderr
                )
                return
            except BuildcaseError as e:
                print(f"buildcase: {e}", file=sys.stderr)
                return
            for warning in built.warnings:
                print(warning, file=sys.stderr)
            print(f"rebuilt {built.slug} in {built.seconds:.1f} s", file=sys.stderr)

        rebuild()
        root = out / folder.name
        if not root.is_dir():
            raise BuildcaseError(
                f"{folder}: the first build failed; fix the errors above and run serve again"
            )
        watch = [folder, workspace / "templates", workspace / CONFIG]
        print(f"serving {folder.name} on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr)
        serve_live(rebuild, root, [p for p in watch if p.exists()], host, port)
