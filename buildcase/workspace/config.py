"""The workspace's `mkdocs.yml`, read as YAML nodes: the one place buildcase reads it.

MkDocs reads the file itself when it builds a site (`engines`), once `trust` has walked
these nodes and found nothing that would run code. The nodes keep their lines, for
messages, and are built into no Python object, so a tag such as `!!python/...` runs
nothing while buildcase reads. The handout's `site_url` is read from them too.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from buildcase.errors import Location, Problem

CONFIG = "mkdocs.yml"
PLAIN_TEXT_TAG = "tag:yaml.org,2002:str"


def config_root(config: Path) -> tuple[yaml.Node | None, Problem | None]:
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
        for node in all_nodes([root] if root is not None else [], set()):
            if isinstance(node, yaml.MappingNode):
                loader.flatten_mapping(node)  # what `<<: *defaults` merges in is checked too
        return root, None
    except yaml.MarkedYAMLError as e:
        where = mark_location(config, e.problem_mark)
        return None, Problem(where, "", f"not valid YAML: {e.problem or e}")
    except (yaml.YAMLError, RecursionError) as e:
        return None, Problem(Location(config), "", f"not valid YAML: {e}")
    finally:
        loader.dispose()


def all_nodes(roots: list[yaml.Node], seen: set[int]) -> list[yaml.Node]:
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


def plain_text(node: yaml.Node) -> str | None:
    """A node's text where the file states it; None for anything else (a list, or a tag
    such as `!ENV` that chooses the value only when MkDocs runs)."""
    if isinstance(node, yaml.ScalarNode) and node.tag == PLAIN_TEXT_TAG:
        return str(node.value)
    return None


def mark_location(config: Path, mark: yaml.Mark | None) -> Location:
    """Where in `config` a YAML mark points, as messages name it (lines from 1)."""
    if mark is None:
        return Location(config)
    return Location(config, mark.line + 1, mark.column + 1)


def read_site_url(config: Path) -> str | None:
    """`site_url` of an mkdocs.yml when it is an http(s) address, else None: where the
    handout says the proposal's site is published (`render.qr`)."""
    url = _setting_text(config_root(config)[0], "site_url")
    if url is None:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return None
    return url


def _setting_text(root: yaml.Node | None, name: str) -> str | None:
    """The text of the top-level setting `name` where the file states it as text (the last
    one, as a YAML loader keeps it); None where it is absent, or a tag such as `!ENV`
    chooses it only when MkDocs runs."""
    if not isinstance(root, yaml.MappingNode):
        return None
    found = [value for key, value in root.value if plain_text(key) == name]
    return plain_text(found[-1]) if found else None
