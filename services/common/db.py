"""Database connections and transactions.

A transaction belongs to a use case: ``with db.transaction() as session`` commits on
success and rolls back on any error, so no use case leaves half-written state.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, cast

from sqlalchemy import CursorResult, Executable, Table, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.db import Base


def create_db_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, emit BEGIN (needed for savepoints and IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # A 64 MB page cache keeps the instance index and hot rows in memory at 5,000+ units.
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "cache_size=-65536",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # SQLite has one writer. Taking the write lock at BEGIN makes concurrent writers
        # queue instead of failing at commit with a stale snapshot. Readers begin deferred:
        # in WAL mode they never wait for the writer.
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = create_db_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(
            self.engine.execution_options(read_only=True), expire_on_commit=False
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on any error, except an error that says it
        ``keeps_changes``: a refusal whose record must stand (an instance stopped in
        error), committed before the error goes on to the caller."""
        with self.sessions() as session:
            session.begin()
            try:
                yield session
            except BaseException as error:
                if getattr(error, "keeps_changes", False):
                    session.commit()
                else:
                    session.rollback()
                raise
            session.commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction; it never waits for a writer, even one on this thread."""
        with self.read_sessions() as session:  # closing ends the transaction; nothing to commit
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed. (Session.execute is typed to
    return a Result; a Core statement's is a CursorResult, which has the row count.)"""
    return cast(CursorResult, session.execute(statement)).rowcount


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements (SQLAlchemy types ``__table__`` as any FROM clause)."""
    table = model.__table__
    assert isinstance(table, Table), model
    return table
