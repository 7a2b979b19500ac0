"""Dynamic task mapping: map_index joins the task-instance key; the task_map table

Existing task instances and XComs keep their rows with map_index -1 (not mapped), as in
Airflow.

Revision ID: 0005
Revises: 0002 (to be 0003 once variables/connections land; the lead renumbers)
Create Date: 2026-11-26 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table, key in (
        ("task_instance", ["dag_id", "run_id", "task_id", "map_index"]),
        ("xcom", ["dag_id", "run_id", "task_id", "map_index", "key"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("map_index", sa.Integer(), nullable=False, server_default=sa.text("-1"))
            )
            batch_op.drop_constraint(f"pk_{table}", type_="primary")
            batch_op.create_primary_key(f"pk_{table}", key)
    op.create_table(
        "task_map",
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("task_id", sa.String(length=250), nullable=False),
        sa.Column("map_index", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("fk_task_map_dag_id_dag_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "dag_id", "run_id", "task_id", "map_index", name=op.f("pk_task_map")
        ),
    )


def downgrade() -> None:
    op.drop_table("task_map")
    for table, key in (
        ("xcom", ["dag_id", "run_id", "task_id", "key"]),
        ("task_instance", ["dag_id", "run_id", "task_id"]),
    ):
        # Mapped instances have no place in the old key: only the unmapped rows stay.
        op.execute(sa.text(f"DELETE FROM {table} WHERE map_index <> -1"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"pk_{table}", type_="primary")
            batch_op.create_primary_key(f"pk_{table}", key)
            batch_op.drop_column("map_index")
