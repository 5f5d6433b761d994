"""The talent database search and a person's record, as pages and as an API."""
