"""The folder buildcase works in, the way MkDocs works in the folder of its mkdocs.yml:
`mkdocs.yml` (the base of every site), `proposals/`, `templates/` (overrides) and `site/`.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import yaml

from buildcase.errors import Location, Problem, WorkspaceError, display_path, quoted
from buildcase.load import ROOT_FILE

PROPOSALS = "proposals"
CONFIG = "mkdocs.yml"
SCHEMA_FILE = "proposal.schema.json"
# Every YAML file `new` writes names its schema on its first line, for editors: this one
# is MkDocs-Material's, published with it.
MKDOCS_SCHEMA_LINE = (
    "# yaml-language-server: $schema=https://squidfunk.github.io/mkdocs-material/schema.json\n"
)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def default_templates_dir() -> Path:
    return Path(str(importlib.resources.files("buildcase.templates")))


def template_dirs(proposal_dir: Path | None, workspace: Path) -> list[Path]:
    """Where templates are looked up, first match wins: the proposal's own (where there is a
    proposal; untrusted, see `own_templates`), the workspace's, buildcase's."""
    own = [proposal_dir / "templates"] if proposal_dir else []
    return [*own, workspace / "templates", default_templates_dir()]


def own_templates(proposal_dir: Path) -> Path | None:
    """The proposal's own `templates/` folder, if it has one (a link counts, to be refused):
    untrusted, unlike the workspace's, since it travels with the proposal."""
    own = proposal_dir / "templates"
    return own if os.path.lexists(own) else None


def base_config(workspace: Path) -> Path:
    """The mkdocs.yml every site of this workspace is built from: the workspace's own, or
    the default one shipped with buildcase where it has none.

    `build` and `check` both ask for it first, so both refuse, in the same words, a
    workspace's own that MkDocs must not read (see `safe_config`)."""
    own = workspace / CONFIG
    return safe_config(own) if own.is_file() else default_templates_dir() / CONFIG


# --- which mkdocs.yml MkDocs may read -------------------------------------------------------
#
# MkDocs runs code named in its configuration: `hooks:` are Python files, a plugin or a
# Markdown extension is imported by its name, `theme.custom_dir` holds Jinja templates
# rendered without a sandbox, `INHERIT:` reads another configuration, and MkDocs' YAML
# loader builds Python objects from `!!python/...` tags while reading. A workspace's
# mkdocs.yml may do any of that only when the person running buildcase says they trust the
# folder, in the environment: never by a setting a folder could bring with it.

TRUST_VARIABLE = "BUILDCASE_TRUSTED_WORKSPACES"
# The plugins buildcase's own sites use (Material's, under either name). Any other, even
# one of Material's (`group` and `projects` load plugins and configurations of their
# own), can run code from the folder.
OWN_PLUGINS = frozenset({"search", "offline", "material/search", "material/offline"})
# The extensions Python-Markdown ships, by their short names; any other name is imported
# as a Python module.
MARKDOWN_EXTENSIONS = frozenset(
    {
        "abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code",
        "footnotes", "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br",
        "sane_lists", "smarty", "tables", "toc", "wikilinks",
    }
)  # fmt: skip
# The packages installed with Material whose extensions need no trust either, and the two
# of them that read files named in a page (and, for snippets, fetch addresses).
EXTENSION_PACKAGES = re.compile(r"(pymdownx|material\.extensions)(\.\w+)+")
READS_FILES = frozenset({"pymdownx.snippets", "pymdownx.b64"})
PYTHON_TAG = "tag:yaml.org,2002:python/"
PLAIN_TEXT_TAG = "tag:yaml.org,2002:str"


def safe_config(config: Path) -> Path:
    """`config`, once MkDocs may read it: WorkspaceError, naming the file, line and key
    of each reason, where it sits in a proposal's folder or would run code in a workspace
    not trusted. Asked again where the site is made, whoever called."""
    workspace = config.parent
    if os.path.lexists(workspace / ROOT_FILE):
        raise WorkspaceError(_proposal_folder_message(config))
    if is_trusted(workspace):
        return config
    problems = code_in_config(config)
    if problems:
        raise WorkspaceError(_untrusted_code_message(config, problems))
    return config


def is_trusted(workspace: Path) -> bool:
    """Whether the person running buildcase listed this folder in BUILDCASE_TRUSTED_WORKSPACES
    (absolute paths, separated as in PATH). The opt-in lives in the environment, where a
    folder handed over cannot put it; a relative path would trust whatever folder one
    stands in, so it counts for nothing."""
    here = os.path.realpath(workspace)
    listed = os.environ.get(TRUST_VARIABLE, "").split(os.pathsep)
    return any(os.path.isabs(path) and os.path.realpath(path) == here for path in listed)


def code_in_config(config: Path) -> list[Problem]:
    """Every place in `config` that would have MkDocs run code, located, in file order:
    a `!!python/` tag anywhere, and the keys that load code (`code_keys`). Each version of
    the file is read once, however many proposals a build asks for it."""
    try:
        info = config.stat()
    except OSError as e:
        return [Problem(Location(config), "", f"cannot be read: {e.strerror}")]
    version = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    return list(_code_in_config_version(config, version))


@functools.lru_cache(maxsize=16)
def _code_in_config_version(config: Path, version: tuple[int, ...]) -> tuple[Problem, ...]:
    """`code_in_config` of one version of the file; `version` is the cache's key only."""
    root, unreadable = _config_node(config)
    if unreadable is not None:
        return (unreadable,)
    if not isinstance(root, yaml.MappingNode):  # MkDocs refuses it, and runs nothing
        roots = [root] if root is not None else []
        return tuple(_located(config, node, "", why) for node, why in _python_tags(roots, set()))
    problems = []
    seen: set[int] = set()  # a node several keys reach (by an alias) is named once
    for key, value in root.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else ""
        found = [*_python_tags([key, value], seen), *code_keys(name, key, value, config)]
        problems += [_located(config, node, name, why) for node, why in found]
    return tuple(sorted(problems, key=lambda p: p.location))


def code_keys(
    name: str, key: yaml.Node, value: yaml.Node, config: Path
) -> list[tuple[yaml.Node, str]]:
    """Where the top-level setting `name` makes MkDocs load code, and why: the node to
    point at and the reason."""
    if name == "hooks" and not _is_empty(value):
        files = ", ".join(_quoted_names(value))
        return [(key, f"MkDocs would run the Python code in {files} at every build")]
    if name == "INHERIT":
        return [(key, "MkDocs would read another configuration too, one buildcase does not check")]
    if name == "plugins":
        return [(n, why) for n in _entry_names(value) if (why := _plugin_refusal(n))]
    if name == "markdown_extensions":
        return [(n, why) for n in _entry_names(value) if (why := _extension_refusal(n))]
    if name == "theme" and isinstance(value, yaml.MappingNode):
        return [
            (v, why)
            for k, v in value.value
            if isinstance(k, yaml.ScalarNode) and k.value == "custom_dir"
            if (why := _custom_dir_refusal(v, config.parent))
        ]
    return []


def _config_node(config: Path) -> tuple[yaml.Node | None, Problem | None]:
    """The configuration as YAML nodes, with their lines and merge keys (`<<`) resolved,
    built into no Python object; or the problem reading it."""
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, Problem(Location(config), "", f"cannot be read: {e}")
    # PyYAML's own parser: libyaml's (CSafeLoader) crashes the process on a list nested
    # 100,000 deep, where this one raises RecursionError.
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        for node in _all_nodes([root] if root is not None else [], set()):
            if isinstance(node, yaml.MappingNode):
                loader.flatten_mapping(node)  # what `<<: *defaults` merges in is checked too
        return root, None
    except yaml.MarkedYAMLError as e:
        where = _location(config, e.problem_mark)
        return None, Problem(where, "", f"not valid YAML: {e.problem or e}")
    except (yaml.YAMLError, RecursionError) as e:
        return None, Problem(Location(config), "", f"not valid YAML: {e}")
    finally:
        loader.dispose()


def _all_nodes(roots: list[yaml.Node], seen: set[int]) -> list[yaml.Node]:
    """Every node below `roots` not `seen` yet, each once, adding them to `seen`: an alias
    is the node it names, so a document of aliases of aliases is walked in the time it
    takes to read."""
    found = []
    todo = list(roots)
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        if isinstance(node, yaml.SequenceNode):
            todo += node.value
        elif isinstance(node, yaml.MappingNode):
            todo += [part for pair in node.value for part in pair]
    return found


def _python_tags(roots: list[yaml.Node], seen: set[int]) -> list[tuple[yaml.Node, str]]:
    """The nodes below `roots` tagged `!!python/...`, from which MkDocs' YAML loader
    imports and calls Python while it reads the file (`!!python/object/apply:os.system`)."""
    tagged = [node for node in _all_nodes(roots, seen) if node.tag.startswith(PYTHON_TAG)]
    return [(node, f"the tag {_tag(node)} makes MkDocs import and call Python") for node in tagged]


def _tag(node: yaml.Node) -> str:
    """A node's tag as it is written: `!!python/name:...`."""
    return str(node.tag).replace("tag:yaml.org,2002:", "!!")


def _entry_names(value: yaml.Node) -> list[yaml.Node]:
    """The nodes naming each plugin or extension of a list or mapping of them, each written
    as `name` or `name: {its options}`."""
    entries = value.value if isinstance(value, yaml.SequenceNode) else [value]
    names = []
    for entry in entries:
        if isinstance(entry, yaml.MappingNode):
            names += [name for name, _ in entry.value]
        elif not _is_empty(entry):
            names.append(entry)
    return names


def _plugin_refusal(node: yaml.Node) -> str | None:
    """Why the plugin named by `node` needs trust, or None for one of buildcase's own."""
    name = _plain_text(node)
    if name is None:
        return _chosen_later(node, "plugin")
    if name in OWN_PLUGINS:
        return None
    return (
        f"{quoted(name)} is not one of buildcase's own plugins (search, offline): MkDocs "
        "would load it, and a plugin can run code from this folder"
    )


def _extension_refusal(node: yaml.Node) -> str | None:
    """Why the Markdown extension named by `node` needs trust, or None for one of
    Python-Markdown's, PyMdown Extensions' or Material's that reads no file."""
    name = _plain_text(node)
    if name is None:
        return _chosen_later(node, "Markdown extension")
    module = name.partition(":")[0]  # `package.module:ClassName` names a class in it
    if module.removeprefix("markdown.extensions.") in MARKDOWN_EXTENSIONS:
        return None
    if EXTENSION_PACKAGES.fullmatch(module):
        if ".".join(module.split(".")[:2]) not in READS_FILES:
            return None
        return f"{quoted(name)} reads files named in a page, outside what buildcase checks"
    return (
        f"{quoted(name)} would be imported as Python by that name: only Python-Markdown's, "
        "PyMdown Extensions' and Material's extensions are used without trust"
    )


def _custom_dir_refusal(node: yaml.Node, workspace: Path) -> str | None:
    """Why the theme's `custom_dir` needs trust, or None for a folder inside the
    workspace, whose templates are as trusted as its `templates/`."""
    folder = _plain_text(node)
    if folder is None:
        return _chosen_later(node, "custom_dir")
    target = Path(os.path.realpath(workspace / folder))  # an absolute one stays as it is
    if target.is_relative_to(os.path.realpath(workspace)):
        return None
    return (
        f"custom_dir {quoted(folder)} is outside this workspace: MkDocs would render the "
        "templates there, and a template can run code"
    )


def _chosen_later(node: yaml.Node, what: str) -> str:
    """Why a setting that is not plain text cannot be vouched for: a tag such as `!ENV`
    chooses the value only when MkDocs runs."""
    if not node.tag.startswith("tag:yaml.org,2002:"):
        return f"the {what} is chosen by the tag {_tag(node)} only when MkDocs runs: name it"
    return f"the {what} is not a name"


def _plain_text(node: yaml.Node) -> str | None:
    """A node's text where the file states it; None for anything else (a list, or a tag
    such as `!ENV` that chooses the value only when MkDocs runs)."""
    if isinstance(node, yaml.ScalarNode) and node.tag == PLAIN_TEXT_TAG:
        return str(node.value)
    return None


def _is_empty(node: yaml.Node) -> bool:
    """`key:` or `key: []`: a setting that names nothing."""
    if isinstance(node, yaml.ScalarNode):
        return node.tag == "tag:yaml.org,2002:null"
    return isinstance(node, yaml.CollectionNode) and not node.value


def _quoted_names(node: yaml.Node) -> list[str]:
    """The names in a list of them (or one), quoted as a message quotes them."""
    entries = node.value if isinstance(node, yaml.SequenceNode) else [node]
    return [quoted(_plain_text(entry) or _tag(entry)) for entry in entries]


def _located(config: Path, node: yaml.Node, key: str, why: str) -> Problem:
    return Problem(_location(config, node.start_mark), key, why)


def _location(config: Path, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(config)
    return Location(config, mark.line + 1, mark.column + 1)


def _proposal_folder_message(config: Path) -> str:
    folder = config.parent.absolute()
    return (
        f"{folder} holds {ROOT_FILE}: a proposal's folder is never a workspace\n"
        f"{Location(config)}: error: the {CONFIG} that came with a proposal is never read: "
        "it could run code on this machine\n"
        f"Build the proposal from your workspace, the folder holding proposals/: "
        f"buildcase build {folder}"
    )


def _untrusted_code_message(config: Path, problems: list[Problem]) -> str:
    return "\n".join(
        [
            f"{display_path(config)} would have MkDocs run code, in a workspace not trusted:",
            *(str(problem) for problem in problems),
            f"If this folder and its code are yours, trust it: set "
            f"{TRUST_VARIABLE}={os.path.realpath(config.parent)} in the environment",
        ]
    )


def proposal_folders(workspace: Path, given: list[Path]) -> list[Path]:
    """The proposals named on the command line, or every folder under proposals/."""
    if given:
        for folder in given:
            if not folder.is_dir():
                raise WorkspaceError(f"{folder}: no such proposal folder")
        return given
    root = workspace / PROPOSALS
    if not root.is_dir():
        raise WorkspaceError(
            f"no {PROPOSALS}/ folder in {workspace}; name a proposal folder, "
            "or start one with `buildcase new SLUG`"
        )
    folders = sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not _is_schema_folder(p)
    )
    if not folders:
        raise WorkspaceError(f"{root} holds no proposal; start one with `buildcase new SLUG`")
    return folders


def _is_schema_folder(folder: Path) -> bool:
    """proposals/schema/, where `new` writes the editor schemas: not a proposal (unless it
    is one, made before the schemas moved there)."""
    from buildcase.models.schema import SCHEMA_DIR

    return folder.name == SCHEMA_DIR and not os.path.lexists(folder / "proposal.yaml")


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
    from buildcase.models.schema import SCHEMA_DIR

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
    from buildcase.models.schema import SCHEMA_DIR, schemas

    texts = {name: _json(schema) for name, schema in schemas().items()}
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
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


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
        fd = os.open(path.name, _NEW_FILE, 0o666, dir_fd=parent)
    except FileExistsError:
        if keep_existing:
            return
        raise WorkspaceError(f"{path} already exists; buildcase new never overwrites") from None
    except OSError as e:
        raise WorkspaceError(f"cannot write {path}: {e.strerror}") from None
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise WorkspaceError(f"cannot write {path}: {e.strerror}") from None


def _rewrite_file(parent: int, path: Path, text: str) -> None:
    """Put `text` at `path`, in the open folder `parent`, in place of the file there: a
    new file is written beside it and renamed over it, so that the old file (and whatever
    shares its contents through a hard link) is never written into."""
    _refuse_unless_file(parent, path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
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


def proposal_schema_json(section: str | None = None) -> str:
    """The schema of proposal.yaml, or of the section file `<section>.yaml`, as JSON."""
    from buildcase.models.schema import proposal_schema, section_schema

    return _json(section_schema(section) if section else proposal_schema()).rstrip("\n")


def _json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
