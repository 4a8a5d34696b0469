"""The names a workspace is laid out with, which every stage agrees on: where proposals
live, the file that makes a folder a proposal, where the editor schemas go, and where a
built site publishes buildcase's assets and the proposal's logo (the decks load them from
there, relative to themselves; the MkDocs engine copies them there)."""

PROPOSALS = "proposals"  # the workspace's folder of proposals
ROOT_FILE = "proposal.yaml"  # the file that makes a folder a proposal
SCHEMA_DIR = "schema"  # proposals/schema/: the editor schemas `buildcase new` writes
ASSETS = "assets/buildcase"  # in a built site, beside index.html: fonts, reveal.js, brand


def logo_name(suffix: str) -> str:
    """The logo's path in a built site, for a logo file ending in `suffix` (`.svg`)."""
    return f"{ASSETS}/brand/logo{suffix.lower()}"
