"""Stage 6, write: outputs published atomically (`output`) from staging folders
(`staging`), replacing only what buildcase recorded making (`record`), and what each was
built from (`fingerprint`)."""
