"""A database written by the code before a change (tests/fixtures/README.md), copied and
opened with today's code: migrated, today's process versions published beside the old."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from engine.clock import FixedClock
from factories import REPO_ROOT
from services.bootstrap import Services, bootstrap
from services.common import schema
from services.common.config import Config


def saved_services(fixture: Path, tmp_path: Path, now: datetime, data_key: str | None = None) -> Services:
    copy = tmp_path / fixture.name
    shutil.copyfile(fixture, copy)
    services = bootstrap(
        Config(
            database_url=f"sqlite:///{copy}",
            bpmn_dir=REPO_ROOT / "bpmn",
            instance_dir=tmp_path,
            data_key=data_key,
        ),
        FixedClock(now),
    )
    schema.upgrade(services.db.engine)
    services.load_bpmn()
    return services
