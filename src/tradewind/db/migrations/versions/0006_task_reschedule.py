"""task_reschedule: when a rescheduled sensor's try first poked (its timeout counts from it)

Revision ID: 0006
Revises: 0005 (to be renumbered by the lead when merged)
Create Date: 2026-11-26 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradewind.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_reschedule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("start_date", tradewind.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("end_date", tradewind.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reschedule_date", tradewind.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("fk_task_reschedule_dag_id_dag_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_reschedule")),
    )
    with op.batch_alter_table("task_reschedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_reschedule_dag_id_run_id_task_id_try_number"),
            ["dag_id", "run_id", "task_id", "try_number"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("task_reschedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_reschedule_dag_id_run_id_task_id_try_number"))
    op.drop_table("task_reschedule")
