"""The PostgreSQL server the tests use: reachable or a failure, never a skip."""

from __future__ import annotations

import os

import psycopg
import pytest

# The backends every database test runs on (TALENTFLOW_TEST_BACKENDS=sqlite for a quick run).
BACKENDS = os.environ.get("TALENTFLOW_TEST_BACKENDS", "sqlite,postgresql").split(",")
PG_SERVER = os.environ.get("TALENTFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
# One database per test run, so that concurrent runs on one machine never collide.
PG_DATABASE = f"talentflow_test_{os.getpid()}"


def postgres_admin(statement: str) -> None:
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5) as connection:
            connection.execute(statement)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is required for the tests and is not reachable at {PG_SERVER}: {error}")


def fresh_database(name: str) -> str:
    """A new, empty PostgreSQL database (dropped first if a killed run left it); its
    SQLAlchemy URL. A throw-away database need not wait for the disk at each commit
    (most of a short test's time otherwise): what a test checks is the same either way."""
    postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    postgres_admin(f"CREATE DATABASE {name}")
    postgres_admin(f"ALTER DATABASE {name} SET synchronous_commit = off")
    return f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{name}"


def drop_database(name: str) -> None:
    postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
