"""The names a workspace is laid out with, which every stage agrees on: where proposals
live, the file that makes a folder a proposal, and where the editor schemas go."""

PROPOSALS = "proposals"  # the workspace's folder of proposals
ROOT_FILE = "proposal.yaml"  # the file that makes a folder a proposal
SCHEMA_DIR = "schema"  # proposals/schema/: the editor schemas `buildcase new` writes
