"""Which mkdocs.yml MkDocs may read: the workspace's own is refused where it would run code.

MkDocs runs code named in its configuration: `hooks:` are Python files, a plugin or a
Markdown extension is imported by its name, `theme.custom_dir` holds Jinja templates
rendered without a sandbox, `INHERIT:` reads another configuration, and MkDocs' YAML
loader builds Python objects from `!!python/...` tags while reading. A workspace's
mkdocs.yml may do any of that only when the person running buildcase says they trust the
folder, in the environment: never by a setting a folder could bring with it. The file is
walked as YAML nodes (`config`), so reading it runs nothing.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import yaml

from buildcase.errors import Location, Problem, WorkspaceError, display_path, quoted
from buildcase.workspace.config import CONFIG, all_nodes, config_root, mark_location, plain_text
from buildcase.workspace.layout import ROOT_FILE

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
    root, unreadable = config_root(config)
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


def _python_tags(roots: list[yaml.Node], seen: set[int]) -> list[tuple[yaml.Node, str]]:
    """The nodes below `roots` tagged `!!python/...`, from which MkDocs' YAML loader
    imports and calls Python while it reads the file (`!!python/object/apply:os.system`)."""
    tagged = [node for node in all_nodes(roots, seen) if node.tag.startswith(PYTHON_TAG)]
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
    name = plain_text(node)
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
    name = plain_text(node)
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
    folder = plain_text(node)
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


def _is_empty(node: yaml.Node) -> bool:
    """`key:` or `key: []`: a setting that names nothing."""
    if isinstance(node, yaml.ScalarNode):
        return node.tag == "tag:yaml.org,2002:null"
    return isinstance(node, yaml.CollectionNode) and not node.value


def _quoted_names(node: yaml.Node) -> list[str]:
    """The names in a list of them (or one), quoted as a message quotes them."""
    entries = node.value if isinstance(node, yaml.SequenceNode) else [node]
    return [quoted(plain_text(entry) or _tag(entry)) for entry in entries]


def _located(config: Path, node: yaml.Node, key: str, why: str) -> Problem:
    return Problem(mark_location(config, node.start_mark), key, why)


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
