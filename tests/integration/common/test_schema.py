"""The Alembic migrations build exactly the schema the models describe."""

from alembic import command

from services.common.schema import alembic_config


def test_migrations_match_the_models(database_url):
    command.check(alembic_config(database_url))  # raises when a model change has no migration
