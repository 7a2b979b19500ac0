"""the trigger table and task instances' deferral columns (deferrable tasks, the triggerer)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 17:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradewind.db.types

revision = "0007"
# Meant to follow 0003 once the parallel branches are merged (the lead renumbers); on this
# branch 0002 is the newest revision there is.
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trigger",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("classpath", sa.String(length=1000), nullable=False),
        sa.Column("kwargs", sa.Text(), nullable=False),
        sa.Column("created_date", tradewind.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("triggerer_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger")),
    )
    with op.batch_alter_table("trigger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trigger_triggerer_id"), ["triggerer_id"], unique=False)

    with op.batch_alter_table("task_instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trigger_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("next_method", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("next_kwargs", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "trigger_timeout", tradewind.db.types.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_task_instance_trigger_id"), ["trigger_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_task_instance_state_trigger_timeout"),
            ["state", "trigger_timeout"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("task_instance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_instance_state_trigger_timeout"))
        batch_op.drop_index(batch_op.f("ix_task_instance_trigger_id"))
        batch_op.drop_column("trigger_timeout")
        batch_op.drop_column("next_kwargs")
        batch_op.drop_column("next_method")
        batch_op.drop_column("trigger_id")
    with op.batch_alter_table("trigger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_triggerer_id"))
    op.drop_table("trigger")
