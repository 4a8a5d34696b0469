"""The base of every section's model: frozen once parsed, and strict about keys, so that a
misspelt key is an error located at it rather than a value silently left out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
