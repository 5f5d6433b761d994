"""due work notifies: on PostgreSQL, every statement changing the tables that hold due work
notifies the channel talentflow_due, so that a sleeping scheduler wakes and plans again
(services/common/changes.py). SQLite needs nothing: its watcher reads the files' state.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 05:35:00
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# Each table and the changes of it that can make work due sooner or later.
WATCHED = {
    "process_instance": "INSERT OR UPDATE OF next_timer_at, status",
    "human_task": "INSERT OR UPDATE OF next_alert_at, status",
    "instance_inbox": "INSERT",
    "connector_call": "INSERT OR UPDATE OF next_attempt_at, leased_until, status",
    "notification": "INSERT OR UPDATE OF email_next_attempt_at",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION talentflow_due_changed() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('talentflow_due', ''); RETURN NULL; END $$"
    )
    for table, events in WATCHED.items():
        op.execute(
            f"CREATE TRIGGER {table}_due_changed AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION talentflow_due_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED:
        op.execute(f"DROP TRIGGER {table}_due_changed ON {table}")
    op.execute("DROP FUNCTION talentflow_due_changed()")
