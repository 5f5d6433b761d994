"""The services of a test that runs the real scheduler process: a database of its own
(a file for SQLite, a database for PostgreSQL), so that the process sees what the test wrote."""

from __future__ import annotations

import os

import pytest
from databases import drop_database, fresh_database
from factories import REPO_ROOT

from engine.clock import SystemClock
from services.bootstrap import bootstrap
from services.common import schema
from services.common.config import Config


@pytest.fixture(params=["sqlite", "postgresql"])
def own_services(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'own.db'}"
    else:
        database = f"talentflow_test_{os.getpid()}_own"
        url = fresh_database(database)
        request.addfinalizer(lambda: drop_database(database))
    services = bootstrap(
        Config(database_url=url, bpmn_dir=REPO_ROOT / "bpmn", instance_dir=tmp_path), SystemClock()
    )
    schema.upgrade(services.db.engine)
    yield services
    services.db.dispose()
