"""Alembic environment: one metadata for engine and application tables."""

import importlib
import pkgutil

from alembic import context
from sqlalchemy import engine_from_config, pool

import engine.models  # noqa: F401  (registers engine tables)
import services
from engine.db import Base
from services.common.config import Config

# Every package of services/ is imported, so every context's tables are in the metadata
# (a context's __init__ imports its _models) and autogenerate never drops one it missed.
for package in pkgutil.iter_modules(services.__path__):
    if package.ispkg:
        importlib.import_module(f"services.{package.name}")

config = context.config
url = config.get_main_option("sqlalchemy.url") or Config.from_env().database_url


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
