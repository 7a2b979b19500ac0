"""task_instance_history (every try's dates and rendered fields) and log's (dag_id, dttm) index

Revision ID: 0009
Revises: 0008 (to be renumbered by the lead when merged)
Create Date: 2026-11-27 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradewind.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "ix_task_instance_history_try"


def upgrade() -> None:
    op.create_table(
        "task_instance_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("map_index", sa.Integer(), server_default=sa.text("-1"), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("queued_dttm", tradewind.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("start_date", tradewind.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("end_date", tradewind.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("hostname", sa.String(length=1000), nullable=False),
        sa.Column("rendered_fields", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("fk_task_instance_history_dag_id_dag_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_instance_history")),
    )
    with op.batch_alter_table("task_instance_history", schema=None) as batch_op:
        batch_op.create_index(
            INDEX, ["dag_id", "run_id", "task_id", "map_index", "try_number"], unique=False
        )
    with op.batch_alter_table("log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_dag_id_dttm"), ["dag_id", "dttm"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_dag_id_dttm"))
    with op.batch_alter_table("task_instance_history", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
    op.drop_table("task_instance_history")
