"""The plans pages: a plan document imported, its draft settled task by task."""
