"""buildcase's own documentation built with MkDocs, for `buildcase guide`: the docs folder
as it ships, with its own mkdocs.yml, into a folder the guide command chose."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from mkdocs import exceptions as mkdocs_exceptions
from mkdocs.commands.build import build
from mkdocs.config import load_config

from buildcase.errors import GuideError
from buildcase.logs import captured_warnings


def build_docs(docs: Path, config: str, site: Path) -> None:
    """Build the docs into `site` with their configuration file `config`, quietly: a user
    who asked for a page wants the page, not MkDocs' log. The configuration is read from a
    nameless file object, so that MkDocs does not take docs/, where it lies, for the parent
    of the configuration it refuses as docs_dir; docs_dir and site_dir are given."""
    config_text = io.BytesIO((docs / config).read_bytes())
    with captured_warnings("mkdocs"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a plugin's DeprecationWarning is not the reader's
        try:
            loaded = load_config(config_text, docs_dir=str(docs), site_dir=str(site))
            build(loaded)
        except mkdocs_exceptions.MkDocsException as e:
            raise GuideError(f"the documentation in {docs} could not be built: {e}") from e
