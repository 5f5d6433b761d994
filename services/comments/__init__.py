"""Comments: see docs/working-together.md.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.comments import _models  # noqa: F401  (registers the tables)
from services.comments._comments import history_steps

__all__ = ["history_steps"]
