"""Fixtures: every database test runs once on SQLite and once on PostgreSQL.

PostgreSQL is expected on 127.0.0.1:5432 (trust auth, user postgres); when it is
unreachable the PostgreSQL tests fail, they are never skipped. For a quick local
run on SQLite only: TALENTFLOW_TEST_BACKENDS=sqlite.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from databases import BACKENDS, PG_DATABASE, drop_database, fresh_database
from factories import REPO_ROOT
from factories.dates import local
from sqlalchemy import select, text

from engine.clock import FixedClock
from engine.db import Base
from engine.models import ProcessDefinition
from services import demo
from services.bootstrap import Services, bootstrap
from services.common import schema
from services.common.config import Config

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
        url = fresh_database(PG_DATABASE)
        request.addfinalizer(lambda: drop_database(PG_DATABASE))
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
    _publish_repository_bpmn(built)
    yield built
    _empty_all_tables(built)
    built.db.dispose()


# bpmn/ as load_bpmn publishes it, per database: the rows the first test of a worker
# published, copied for the next ones (checking every bundle again is most of a short test's
# time; the publication and its checks have their own tests in integration/engine/).
_PUBLISHED: dict[str, list[dict]] = {}
_COPIED = ("key", "version", "sha256", "bpmn_xml", "forms", "meta", "decisions")


def _publish_repository_bpmn(services: Services) -> None:
    url = services.config.database_url
    if url not in _PUBLISHED:
        services.load_bpmn()
        with services.db.read() as session:
            rows = session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.id))
            _PUBLISHED[url] = [{column: getattr(row, column) for column in _COPIED} for row in rows]
        return
    now = services.clock.now()
    with services.db.transaction() as session:
        session.add_all(ProcessDefinition(**copy.deepcopy(row), created_at=now) for row in _PUBLISHED[url])


# Seeded by the migrations themselves; tests that change it put it back.
REFERENCE_TABLES = {"calendar_day", "calendar_year"}


def _empty_all_tables(services: Services) -> None:
    """Rows deleted child tables first, and PostgreSQL's id sequences restarted: on tables
    this small, DELETE is quicker than TRUNCATE (which makes new files for every table)."""
    tables = [table for table in Base.metadata.sorted_tables if table.name not in REFERENCE_TABLES]
    with services.db.transaction() as session:
        for table in reversed(tables):
            session.execute(table.delete())
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text(
                    "SELECT setval(sequence.oid, 1, false) FROM pg_class sequence"
                    " JOIN pg_depend link ON link.objid = sequence.oid AND link.deptype IN ('a', 'i')"
                    " JOIN pg_class owner ON owner.oid = link.refobjid"
                    " WHERE sequence.relkind = 'S' AND owner.relname = ANY(:names)"
                ),
                {"names": [table.name for table in tables]},
            )


@pytest.fixture
def commune(services) -> Services:
    """The demo commune (xã Cẩm Giang): 10 in-scope units, one user per role."""
    with services.db.transaction() as session:
        demo.seed(session)
    return services
