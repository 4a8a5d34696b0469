"""An MkDocs hook, named in each site's `hooks:` setting (MkDocs' public way to extend a
build): it gives the theme's Jinja environment the compiled-template cache that every
build in this process shares. MkDocs makes a new environment, and so would compile
Material's templates anew, for every build; most of a warm build was that compiling.

MkDocs executes this file afresh for every build, so the cache lives in `buildcase.site`.
"""

from __future__ import annotations

from typing import Any

from buildcase.site import THEME_BYTECODE


def on_env(env: Any, config: Any, files: Any) -> Any:
    env.bytecode_cache = THEME_BYTECODE
    return env
