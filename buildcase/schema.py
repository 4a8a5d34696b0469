"""The JSON Schema of the proposal format, for editors (completion and checks as you type).

Generated from the models, so it cannot drift from what `check` accepts.
"""

from __future__ import annotations

from typing import Any

from .models import Proposal

SCHEMA_ID = "https://buildcase.invalid/schema/proposal-v1.json"


def proposal_schema() -> dict[str, Any]:
    schema = Proposal.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "buildcase proposal (format version 1)",
    }
