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
