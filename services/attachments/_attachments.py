"""See docs/working-together.md."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.identity import AppUser


def history_steps(session: Session, instance_id: int, reader: AppUser) -> list[dict]:
    """This context's steps of the case's history that ``reader`` may see (see services.work.history)."""
    return []
