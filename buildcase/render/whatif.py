"""The what-if panel as the site's page and the deck's back-up slide embed it: its model as
JSON safe inside a `<script>` element, and its script where the built site publishes it,
relative to the page (the panel works opened from disk).

The model (`compute.whatif`, on `Case.whatif`) is serialised here rather than by a
template's `tojson`: a proposal's own templates see a read-only mapping, which `json`
cannot write, and the escaping is then the same for every template. `<`, `>` and `&` are
written as `\\u003c`, `\\u003e` and `\\u0026`, so that a benefit's title holding
`</script>` or `<!--` cannot end or bend the script element; `JSON.parse` reads them back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from buildcase.compute import Case
from buildcase.markup import plain_text
from buildcase.workspace.layout import ASSETS

SCRIPT = f"{ASSETS}/whatif.js"  # relative to a page or deck beside index.html
PAGE = "whatif.md"
ESCAPED = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@dataclass(frozen=True)
class Panel:
    """What a template embeds: the model to read, its JSON, and the script to load."""

    model: dict[str, Any]
    data: Markup  # the model as JSON, safe inside <script type="application/json">
    subjects: dict[str, str]  # each slider's key -> the benefit or risk it belongs to
    script: str = SCRIPT


def panel(case: Case, shown: bool) -> Panel | None:
    """The panel of a case whose site has the what-if page (`shown`); None otherwise, and
    then the break-evens are not computed for it."""
    if not shown:
        return None
    return Panel(case.whatif, script_json(case.whatif), slider_subjects(case))


def slider_subjects(case: Case) -> dict[str, str]:
    """The title of the benefit or risk each slider belongs to (its key is the driver's
    kind and that entry's anchor: `value:faster-replies`); "" for one of the whole case."""
    titles = {r.anchor: r.risk.title for r in case.risks}
    titles.update({b.anchor: b.benefit.title for b in case.benefits})  # as the page names it
    return {
        s["key"]: plain_text(titles.get(s["key"].partition(":")[2], ""))
        for s in case.whatif["sliders"]
    }


def script_json(data: Any) -> Markup:
    """`data` as JSON that no text in it can break out of a script element."""
    return Markup(json.dumps(data, ensure_ascii=False, allow_nan=False).translate(ESCAPED))
