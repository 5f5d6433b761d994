"""Fixtures: every database test runs once on SQLite and once on PostgreSQL.

PostgreSQL is expected on 127.0.0.1:5432 (trust auth, user postgres); when it is
unreachable the PostgreSQL tests fail, they are never skipped. For a quick local
run on SQLite only: TALENTFLOW_TEST_BACKENDS=sqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from databases import BACKENDS, PG_DATABASE, PG_SERVER, postgres_admin
from factories import REPO_ROOT
from factories.dates import local
from sqlalchemy import text

from engine.clock import FixedClock
from engine.db import Base
from services import demo
from services.bootstrap import Services, bootstrap
from services.common import schema
from services.common.config import Config


def _fresh_postgres_database(request) -> str:
    postgres_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    postgres_admin(f"CREATE DATABASE {PG_DATABASE}")
    request.addfinalizer(lambda: postgres_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
    return f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{PG_DATABASE}"


UNIT_TESTS = REPO_ROOT / "tests" / "unit"


def pytest_collection_modifyitems(items) -> None:
    """Every test that needs a database (directly or through ``services``...) is marked
    ``database``; `make unit` runs tests/unit, which holds none of them: a database test
    found there stops the run before anything runs."""
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)
    misplaced = [
        item.nodeid
        for item in items
        if item.get_closest_marker("database") is not None and UNIT_TESTS in item.path.resolve().parents
    ]
    if misplaced:
        raise pytest.UsageError(
            "tests/unit holds only tests that need no database; move these to "
            "tests/integration/<context>/ (or keep the database out of them):\n  " + "\n  ".join(misplaced)
        )


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = _fresh_postgres_database(request)
    migrating = bootstrap(Config(database_url=url, bpmn_dir=REPO_ROOT / "bpmn", instance_dir=Path("/tmp")))
    schema.upgrade(migrating.db.engine)
    migrating.db.dispose()
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(local(2026, 1, 10, 9, 0))


@pytest.fixture
def services(database_url, clock, tmp_path) -> Services:
    config = Config(database_url=database_url, bpmn_dir=REPO_ROOT / "bpmn", instance_dir=tmp_path)
    built = bootstrap(config, clock)
    built.load_bpmn()
    yield built
    _empty_all_tables(built)
    built.db.dispose()


# Seeded by the migrations themselves; tests that change it put it back.
REFERENCE_TABLES = {"calendar_day", "calendar_year"}


def _empty_all_tables(services: Services) -> None:
    tables = [table for table in Base.metadata.sorted_tables if table.name not in REFERENCE_TABLES]
    with services.db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                session.execute(table.delete())


@pytest.fixture
def commune(services) -> Services:
    """The demo commune (xã Cẩm Giang): 10 in-scope units, one user per role."""
    with services.db.transaction() as session:
        demo.seed(session)
    return services
