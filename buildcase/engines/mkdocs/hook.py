"""An MkDocs hook, named in each site's `hooks:` setting (MkDocs' public way to extend a
build): it gives the theme's Jinja environment the compiled-template cache that every
build shares (`buildcase.cache.templates`: in memory, and on disk between runs). MkDocs
makes a new environment, and so would compile Material's templates anew, for every build;
most of a warm build was that compiling.

MkDocs executes this file afresh for every build, so the cache lives in another module.
"""

from __future__ import annotations

from typing import Any

from buildcase.cache.templates import compiled_templates


def on_env(env: Any, config: Any, files: Any) -> Any:
    env.bytecode_cache = compiled_templates()
    return env
