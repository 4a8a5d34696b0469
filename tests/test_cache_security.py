"""The compiled-template cache trusts nothing it did not make (issue 33).

Compiled templates are code, and Jinja reads them with pickle and marshal: whoever can put
an entry where buildcase loads it runs code as the user. Each test plants entries whose
code would create a marker file, as an attacker would, and checks that the code never
runs: in a folder another user can change (at any level, checked at every use, not once
per process), in a folder swapped while buildcase runs (as under `serve`), in a
relative `XDG_CACHE_HOME` shipped in the working folder, or signed with a key that is not
this user's alone. The guide's own cache is tested in test_guide.py.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from jinja2.bccache import bc_magic

from buildcase.cache import templates as template_cache
from buildcase.cache.folders import cache_folder, cache_root
from buildcase.cache.templates import KEY_FILE, CompiledTemplates
from buildcase.cli import main
from buildcase.render.environment import template_environment

from .conftest import MINIMAL, run_cli, write_proposal
from .test_template_cache import compiles, environment

PLANTED = "site/_macros.j2"  # the template whose compiled entry is planted
OTHER = "site/goals.md.j2"  # one loaded before the planting, where a test needs one
ANOTHER_USER = 65534  # nobody


def evil(payload: bytes, marker: Path) -> bytes:
    """A compiled template as Jinja stores it (magic, the source's checksum, code) with its
    code swapped for code that creates `marker` when the template is loaded. The checksum
    is kept, so Jinja takes the entry for the current compiled source."""
    stream = io.BytesIO(payload)
    stream.read(len(bc_magic))
    pickle.load(stream)  # the checksum (of our own test data)
    code = compile(f"open({str(marker)!r}, 'w').close()", "<planted>", "exec")
    return payload[: stream.tell()] + marshal.dumps(code)


def turn_evil(root: Path, marker: Path) -> Path:
    """Every entry in `root`'s template cache rewritten as `evil`, and signed by buildcase's
    own writer with the key in that folder: what someone who can read the key or write
    the folder could plant. The folder."""
    store = CompiledTemplates(root)
    folder = root / "buildcase" / "templates"
    entries = list(folder.glob("*.jinja"))
    assert entries, "nothing to plant: the cache was not written"
    for entry in entries:
        key = entry.name.removesuffix(".jinja")
        payload = store.read(key)
        assert payload is not None
        store.write(key, evil(payload, marker))
    return folder


def plant(root: Path, marker: Path, name: str = PLANTED) -> Path:
    """`name` compiled into `root`'s cache, then turned evil. The folder."""
    environment(CompiledTemplates(root)).get_template(name)
    return turn_evil(root, marker)


def runs_planted_code(store: CompiledTemplates, marker: Path, name: str = PLANTED) -> bool:
    """Whether loading `name` through `store` ran planted code."""
    with contextlib.suppress(KeyError):  # planted code defines no template: Jinja fails
        environment(store).get_template(name)  # after running it
    return marker.exists()


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "planted-code-ran"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A cache root as `~/.cache` is: this user's, in a folder of this user's."""
    return tmp_path / "cache"


# --- the folders -------------------------------------------------------------------------


def test_the_cache_folder_is_made_this_users_alone(root: Path) -> None:
    with cache_folder("templates", root) as folder:
        assert folder is not None and folder.path == root / "buildcase" / "templates"
        assert os.fstat(folder.fd).st_ino == folder.path.stat().st_ino
    for made in (root, root / "buildcase", root / "buildcase" / "templates"):
        assert made.stat().st_mode & 0o777 == 0o700


def give_away(folder: Path) -> None:
    os.chown(folder, ANOTHER_USER, ANOTHER_USER)


CHANGES: dict[str, Callable[[Path], None]] = {
    "writable by others": lambda folder: folder.chmod(0o777),
    "writable by its group": lambda folder: folder.chmod(0o770),
    "another user's": give_away,
}
WHERE: dict[str, Callable[[Path], Path]] = {
    "the folder above the root": lambda root: root.parent,
    "the cache root": lambda root: root,
    "buildcase/": lambda root: root / "buildcase",
    "templates/": lambda root: root / "buildcase" / "templates",
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("where", WHERE)
def test_a_folder_another_user_could_change_is_never_read(
    root: Path, marker: Path, where: str, change: str
) -> None:
    if change == "another user's" and os.geteuid() != 0:
        pytest.skip("giving a folder away needs root")
    plant(root, marker)
    CHANGES[change](WHERE[where](root))
    with cache_folder("templates", root) as folder:
        assert folder is None
    assert not runs_planted_code(CompiledTemplates(root), marker)


def test_sticky_is_enough_above_the_cache_root_not_for_it(root: Path) -> None:
    """In a sticky folder (as /tmp) no one can rename or remove another user's entries, so
    a private cache root may sit in one; a sticky cache root could hold `buildcase/` made
    by someone else first."""
    environment(CompiledTemplates(root)).get_template(PLANTED)
    root.parent.chmod(0o1777)
    with cache_folder("templates", root) as folder:
        assert folder is not None
    root.chmod(0o1777)
    with cache_folder("templates", root) as folder:
        assert folder is None


def test_a_link_above_the_root_is_followed_only_if_no_one_else_made_it(
    tmp_path: Path, root: Path
) -> None:
    """A home reached through a link (`/home` -> `/var/home`) keeps its cache; a link
    another user made does not lead to one."""
    with cache_folder("templates", root):
        pass
    linked = tmp_path / "linked"
    linked.symlink_to(tmp_path)
    with cache_folder("templates", linked / "cache") as folder:
        assert folder is not None
    if os.geteuid() == 0:
        os.chown(linked, ANOTHER_USER, ANOTHER_USER, follow_symlinks=False)
        with cache_folder("templates", linked / "cache") as folder:
            assert folder is None


SWAPS: dict[str, Callable[[Path, Path], None]] = {
    "a link to another folder": lambda ours, theirs: ours.symlink_to(theirs),
    "a folder others can write to": lambda ours, theirs: (
        theirs.chmod(0o777),
        theirs.rename(ours),
    ),
    "another user's folder": lambda ours, theirs: (give_away(theirs), theirs.rename(ours)),
}


@pytest.mark.parametrize("swap", SWAPS)
def test_a_folder_swapped_while_in_use_is_checked_again(
    tmp_path: Path, root: Path, marker: Path, swap: str
) -> None:
    """`serve` keeps one cache for its life: the folder is checked at each use, so one
    swapped in after the first use is refused at the next."""
    if swap == "another user's folder" and os.geteuid() != 0:
        pytest.skip("giving a folder away needs root")
    store = CompiledTemplates(root)
    environment(store).get_template(OTHER)  # in use, and found safe
    theirs = plant(tmp_path / "attacker", marker)  # entries valid under their own key
    ours = root / "buildcase" / "templates"
    ours.rename(tmp_path / "moved-away")
    SWAPS[swap](ours, theirs)
    assert not runs_planted_code(store, marker)


# --- the key and the signatures ------------------------------------------------------------


def test_the_key_is_made_once_and_readable_by_this_user_alone(root: Path) -> None:
    environment(CompiledTemplates(root)).get_template(PLANTED)
    key = root / "buildcase" / "templates" / KEY_FILE
    status = key.lstat()
    assert status.st_mode & 0o777 == 0o600 and status.st_uid == os.geteuid()
    assert status.st_size == 32
    made = key.read_bytes()
    environment(CompiledTemplates(root)).get_template(OTHER)
    assert key.read_bytes() == made


def test_an_entry_signed_with_another_key_is_compiled_afresh_never_loaded(
    tmp_path: Path, root: Path, marker: Path
) -> None:
    """Someone who can put a file in the folder but cannot read the key (a backup put
    back, a synced folder): their entry does not match and is compiled anew."""
    theirs = plant(tmp_path / "attacker", marker)
    environment(CompiledTemplates(root)).get_template(OTHER)  # our folder, with our key
    ours = root / "buildcase" / "templates"
    for entry in theirs.glob("*.jinja"):
        shutil.copy(entry, ours / entry.name)
    assert not runs_planted_code(CompiledTemplates(root), marker)
    # Compiled afresh and stored again, under our key: the next run loads it.
    assert not runs_planted_code(CompiledTemplates(root), marker)


def test_an_entry_whose_signature_does_not_match_is_compiled_afresh(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment(CompiledTemplates(root)).get_template(PLANTED)
    (entry,) = (root / "buildcase" / "templates").glob("*.jinja")
    data = bytearray(entry.read_bytes())
    data[0] ^= 1  # in the signature; the compiled code after it is as it was
    entry.write_bytes(bytes(data))
    assert compiles(environment(CompiledTemplates(root)), PLANTED, monkeypatch) == 1


def make_readable(key: Path) -> None:
    key.chmod(0o644)


def make_a_link(key: Path) -> None:
    copy = key.with_name("copy-of-key")
    shutil.copy(key, copy)
    key.unlink()
    key.symlink_to(copy)


KEY_CHANGES: dict[str, Callable[[Path], None]] = {
    "readable by others": make_readable,
    "a link": make_a_link,
    "another user's": lambda key: os.chown(key, ANOTHER_USER, ANOTHER_USER),
}


@pytest.mark.parametrize("change", KEY_CHANGES)
def test_a_key_that_is_not_this_users_alone_is_refused(
    root: Path, marker: Path, change: str
) -> None:
    """A key others could read could sign their entries: it is refused, as it stands (not
    replaced, so that whoever looks finds it), and nothing is read or written."""
    if change == "another user's" and os.geteuid() != 0:
        pytest.skip("giving a file away needs root")
    folder = plant(root, marker)  # signed with the key, as by someone who read it
    key = folder / KEY_FILE
    KEY_CHANGES[change](key)
    before = sorted(p.name for p in folder.iterdir())
    assert not runs_planted_code(CompiledTemplates(root), marker)
    environment(CompiledTemplates(root)).get_template(OTHER)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert key.is_symlink() == (change == "a link")


# --- where the cache is ------------------------------------------------------------------


def no_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a container run as a user the system does not know: no HOME, and no entry to
    find one in."""

    def unknown(cls: type[Path]) -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(unknown))


@pytest.mark.parametrize(
    ("xdg", "home", "expected"),
    [
        ("/x/cache", "/h", "/x/cache"),
        ("cache", "/h", "/h/.cache"),  # relative: ignored, as the XDG spec says
        ("", "/h", "/h/.cache"),
        (None, "", None),  # an empty HOME is no home (not `/`)
        (None, "h", None),  # nor a relative one
        (None, None, None),  # unset, and the user is unknown to the system
    ],
)
def test_the_cache_root(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None, home: str | None, expected: str | None
) -> None:
    if home is None:
        no_home(monkeypatch)
    for name, value in (("XDG_CACHE_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert cache_root() == (Path(expected) if expected else None)


# --- through the command line --------------------------------------------------------------


def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new process starts with: no shared cache yet (made from the environment at
    its first use), and no template environment holding the one made before."""
    monkeypatch.setattr(template_cache, "_shared", None)
    template_environment.cache_clear()


@pytest.fixture
def in_new_processes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    new_process(monkeypatch)
    yield
    template_environment.cache_clear()  # leave none holding this test's cache


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache root as a build of MINIMAL leaves it (every template it loads, compiled and
    signed with the key beside them), built once for this module's command-line tests:
    each copies it, then plants its entries (their names hold the templates' paths, not
    the workspace's)."""
    workspace = tmp_path_factory.mktemp("seed")
    write_proposal(workspace, MINIMAL)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(workspace)
        monkeypatch.setenv("XDG_CACHE_HOME", str(workspace / "cache"))
        new_process(monkeypatch)
        try:
            assert main(["build"]) == 0
        finally:
            template_environment.cache_clear()
    return workspace / "cache"


@pytest.mark.slow
def test_a_build_never_reads_a_cache_others_can_write_to(
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    marker: Path,
    built_cache: Path,
    in_new_processes: None,
) -> None:
    write_proposal(workspace, MINIMAL)
    shutil.copytree(built_cache, workspace / "shared")
    turn_evil(workspace / "shared", marker)
    (workspace / "shared").chmod(0o777)  # a shared cache: anyone could have planted these
    monkeypatch.setenv("XDG_CACHE_HOME", str(workspace / "shared"))
    code, _, err = run_cli(capsys, "build")
    assert code == 0, err
    assert not marker.exists()


@pytest.mark.slow
def test_a_relative_xdg_cache_home_is_ignored(
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    marker: Path,
    built_cache: Path,
    in_new_processes: None,
) -> None:
    """A received folder that ships `cache/` with its own key and entries signed by it:
    with XDG_CACHE_HOME=cache it would be this build's cache. It is ignored, and the
    home's cache is used."""
    write_proposal(workspace, MINIMAL)
    shutil.copytree(built_cache, workspace / "cache")
    turn_evil(workspace / "cache", marker)
    home = workspace.parent / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    code, _, err = run_cli(capsys, "build")
    assert code == 0, err
    assert not marker.exists()
    assert list((home / ".cache" / "buildcase" / "templates").glob("*.jinja"))


@pytest.mark.slow
def test_without_a_home_folder_a_build_caches_nothing_and_works(
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    in_new_processes: None,
) -> None:
    no_home(monkeypatch)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    write_proposal(workspace, MINIMAL)
    code, _, err = run_cli(capsys, "build")
    assert code == 0, err
    assert (workspace / "site" / "p" / "index.html").is_file()
    assert template_cache.compiled_templates().root is None
