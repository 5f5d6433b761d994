"""A selected person's commitment: its page, the signed scan, its documents, reporting a breach."""
