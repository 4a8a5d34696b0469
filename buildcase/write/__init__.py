"""Stage 6, write: outputs published atomically, and what each was built from."""
