"""The services a benchmark runs on: a database emptied and migrated to the current schema
(PostgreSQL's public schema dropped first; SQLite is a new file of the bench's own)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from engine.clock import SystemClock
from services.bootstrap import Services, bootstrap
from services.common import schema
from services.common.config import Config

REPO_ROOT = Path(__file__).resolve().parent.parent


def connect(url: str, workdir: Path) -> Services:
    return bootstrap(
        Config(database_url=url, bpmn_dir=REPO_ROOT / "bpmn", instance_dir=workdir), SystemClock()
    )


def empty_services(url: str, workdir: Path) -> Services:
    services = connect(url, workdir)
    if not url.startswith("sqlite"):
        with services.db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    schema.upgrade(services.db.engine)
    return services
