"""`buildcase schema`: the JSON Schemas of the proposal format, as editors read them.

`buildcase new` writes the same texts into proposals/schema/ (`new.write_schemas`).
"""

from __future__ import annotations

import json
from typing import Any


def proposal_schema_json(section: str | None = None) -> str:
    """The schema of proposal.yaml, or of the section file `<section>.yaml`, as JSON."""
    from buildcase.models.schema import proposal_schema, section_schema

    return schema_text(section_schema(section) if section else proposal_schema()).rstrip("\n")


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as the JSON file an editor reads: indented, its non-ASCII text as it is."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
