"""rendered_task_instance_fields: each task instance's rendered templated fields

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rendered_task_instance_fields",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("rendered_fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id", "task_id"],
            ["task_instance.dag_id", "task_instance.run_id", "task_instance.task_id"],
            name=op.f("fk_rendered_task_instance_fields_dag_id_task_instance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "dag_id", "run_id", "task_id", name=op.f("pk_rendered_task_instance_fields")
        ),
    )


def downgrade() -> None:
    op.drop_table("rendered_task_instance_fields")
