"""`buildcase new`: a new proposal folder, and the editor schemas beside it.

`new` writes into folders it may have received from someone (a `proposals/` holding a
`schema` linked elsewhere), so it never writes through a link and never overwrites: every
place is reached from an open folder by a single name, and a link in the way is refused,
naming it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from buildcase.cache.folders import temporary_name, write_new_file_at
from buildcase.commands.schema import schema_text
from buildcase.errors import WorkspaceError
from buildcase.workspace import default_templates_dir
from buildcase.workspace.config import CONFIG
from buildcase.workspace.layout import PROPOSALS, SCHEMA_DIR

# Every YAML file `new` writes names its schema on its first line, for editors: this one
# is MkDocs-Material's, published with it.
MKDOCS_SCHEMA_LINE = (
    "# yaml-language-server: $schema=https://squidfunk.github.io/mkdocs-material/schema.json\n"
)
# The schema of proposal.yaml, also written where buildcase before 0.2 wrote it.
SCHEMA_FILE = "proposal.schema.json"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def new_proposal(workspace: Path, slug: str) -> Path:
    """A new, valid proposal folder from the commented skeleton; never overwrites.

    Nor does it ever write through a link: a `proposals/` received from someone may hold
    links (a `schema` linked to another folder) that would carry a write anywhere. Each
    folder is opened without following a link, each new file made only where nothing
    stands (O_EXCL), and a link in the way is refused, naming it.
    """
    _check_new_slug(slug)
    proposals, folder = workspace / PROPOSALS, workspace / PROPOSALS / slug
    templates = default_templates_dir()
    with _opened_folder(workspace) as root, _opened_folder(proposals, root, create=True) as opened:
        if _entry_mode(opened, folder) is not None:
            raise WorkspaceError(f"{folder} already exists; buildcase new never overwrites")
        write_schemas(proposals, opened)
        config = MKDOCS_SCHEMA_LINE + (templates / CONFIG).read_text(encoding="utf-8")
        _write_new_file(root, workspace / CONFIG, config, keep_existing=True)
        _make_new_folder(opened, folder)
        with _opened_folder(folder, opened) as made:
            skeleton = (templates / "new" / "proposal.yaml").read_text(encoding="utf-8")
            text = skeleton.replace("{{ slug }}", slug)
            _write_new_file(made, folder / "proposal.yaml", text)
    return folder


def _check_new_slug(slug: str) -> None:
    """Refuse a slug that cannot name a new proposal."""
    if not _SLUG.fullmatch(slug):
        raise WorkspaceError(
            f"'{slug}' cannot name a proposal: use lowercase letters, digits and '-' "
            "(it becomes the web address)"
        )
    if slug == SCHEMA_DIR:
        raise WorkspaceError(
            f"'{slug}' cannot name a proposal: proposals/{SCHEMA_DIR}/ holds the editor schemas"
        )


def write_schemas(proposals: Path, opened: int) -> None:
    """The editor schemas, rewritten for this buildcase into the proposals folder (open as
    `opened`): `schema/proposal.schema.json` and `schema/<section>.schema.json` for each
    section file; and `proposal.schema.json` where buildcase before 0.2 wrote it, for
    editors set up to read it there. Every place is checked before the first is written,
    so that a link among them leaves all as they were."""
    from buildcase.models.schema import schemas

    texts = {name: schema_text(schema) for name, schema in schemas().items()}
    folder = proposals / SCHEMA_DIR
    with _opened_folder(folder, opened, create=True) as schema_folder:
        for name in texts:
            _refuse_unless_file(schema_folder, folder / name)
        _refuse_unless_file(opened, proposals / SCHEMA_FILE)
        for name, text in texts.items():
            _rewrite_file(schema_folder, folder / name, text)
        _rewrite_file(opened, proposals / SCHEMA_FILE, texts[SCHEMA_FILE])


# `new` writes into folders it may have received from someone, so it reaches every place
# from an open folder by a single name, never following a link (`dir_fd` and O_NOFOLLOW);
# `path` is the same place, for messages only.
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


@contextmanager
def _opened_folder(path: Path, parent: int | None = None, *, create: bool = False) -> Iterator[int]:
    """The folder `path`, open: by its name in the open folder `parent`, never through a
    link, and made first if `create` and absent; the workspace itself (no `parent`) is
    opened as the user named it. WorkspaceError, naming it, where a link or a file stands."""
    name = path.name if parent is not None else str(path)
    flags = _FOLDER | (os.O_NOFOLLOW if parent is not None else 0)
    try:
        if create:
            with suppress(FileExistsError):
                os.mkdir(name, dir_fd=parent)
        fd = os.open(name, flags, dir_fd=parent)
    except OSError as e:
        if parent is not None:
            _refuse_unless(parent, path, folder=True)
        raise WorkspaceError(f"cannot write {path}: {e.strerror}") from None
    try:
        yield fd
    finally:
        os.close(fd)


def _make_new_folder(parent: int, path: Path) -> None:
    try:
        os.mkdir(path.name, dir_fd=parent)
    except FileExistsError:
        raise WorkspaceError(f"{path} already exists; buildcase new never overwrites") from None
    except OSError as e:
        raise WorkspaceError(f"cannot write {path}: {e.strerror}") from None


def _write_new_file(parent: int, path: Path, text: str, *, keep_existing: bool = False) -> None:
    """Write `text` into a new file at `path`, in the open folder `parent`: made only where
    nothing stands, not even a link. Where something does: left as it is if
    `keep_existing`, else WorkspaceError."""
    try:
        write_new_file_at(parent, path.name, text.encode("utf-8"), mode=0o666)
    except FileExistsError:
        if keep_existing:
            return
        raise WorkspaceError(f"{path} already exists; buildcase new never overwrites") from None
    except OSError as e:
        raise WorkspaceError(f"cannot write {path}: {e.strerror}") from None


def _rewrite_file(parent: int, path: Path, text: str) -> None:
    """Put `text` at `path`, in the open folder `parent`, in place of the file there: a
    new file is written beside it and renamed over it, so that the old file (and whatever
    shares its contents through a hard link) is never written into."""
    _refuse_unless_file(parent, path)
    temporary = path.with_name(temporary_name(path.name))
    _write_new_file(parent, temporary, text)
    try:
        os.replace(temporary.name, path.name, src_dir_fd=parent, dst_dir_fd=parent)
    except OSError as e:
        with suppress(OSError):
            os.unlink(temporary.name, dir_fd=parent)
        raise WorkspaceError(f"cannot write {path}: {e.strerror}") from None


def _refuse_unless_file(parent: int, path: Path) -> None:
    _refuse_unless(parent, path, folder=False)


def _refuse_unless(parent: int, path: Path, *, folder: bool) -> None:
    """Refuse, naming `path`, a link or an entry of the other kind (a folder where a file
    belongs, or a file where a folder does) in the open folder `parent`. Nothing there is
    fine: it will be made."""
    mode = _entry_mode(parent, path)
    if mode is None:
        return
    if stat.S_ISLNK(mode):
        raise WorkspaceError(
            f"refusing to write {path}: it is a symbolic link, and `buildcase new` never "
            "writes through one; remove it"
        )
    if stat.S_ISDIR(mode) != folder:
        kind = "folder" if folder else "file"
        raise WorkspaceError(f"refusing to write {path}: it is not a {kind}; move it away")


def _entry_mode(parent: int, path: Path) -> int | None:
    """The type and mode of what stands at `path` in the open folder `parent` (a link as a
    link), or None where nothing does."""
    try:
        return os.stat(path.name, dir_fd=parent, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        raise WorkspaceError(f"cannot write {path}: {e.strerror}") from None
