"""Dynamic task mapping: map_index joins the task-instance key; the task_map table

Existing task instances, XComs, rendered fields and reschedules keep their rows with
map_index -1 (not mapped), as in Airflow. rendered_task_instance_fields refers to a task
instance, so its foreign key is dropped while the task-instance key changes and comes
back with map_index; task_reschedule's pokes are told apart per instance too.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


RTIF = "rendered_task_instance_fields"
RTIF_FK = "fk_rendered_task_instance_fields_dag_id_task_instance"
OLD_RESCHEDULE_INDEX = "ix_task_reschedule_dag_id_run_id_task_id_try_number"
NEW_RESCHEDULE_INDEX = "ix_task_reschedule_dag_id_run_id_task_id_map_index_try_number"
MAP_INDEX = "map_index"


def _map_index_column() -> sa.Column[int]:
    return sa.Column(MAP_INDEX, sa.Integer(), nullable=False, server_default=sa.text("-1"))


def upgrade() -> None:
    with op.batch_alter_table(RTIF, schema=None) as batch_op:
        batch_op.drop_constraint(RTIF_FK, type_="foreignkey")
    for table, key in (
        ("task_instance", ["dag_id", "run_id", "task_id", "map_index"]),
        ("xcom", ["dag_id", "run_id", "task_id", "map_index", "key"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_map_index_column())
            batch_op.drop_constraint(f"pk_{table}", type_="primary")
            batch_op.create_primary_key(f"pk_{table}", key)
    with op.batch_alter_table(RTIF, schema=None) as batch_op:
        batch_op.add_column(_map_index_column())
        batch_op.drop_constraint(f"pk_{RTIF}", type_="primary")
        batch_op.create_primary_key(f"pk_{RTIF}", ["dag_id", "run_id", "task_id", MAP_INDEX])
        batch_op.create_foreign_key(
            RTIF_FK,
            "task_instance",
            ["dag_id", "run_id", "task_id", MAP_INDEX],
            ["dag_id", "run_id", "task_id", MAP_INDEX],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("task_reschedule", schema=None) as batch_op:
        batch_op.add_column(_map_index_column())
        batch_op.drop_index(OLD_RESCHEDULE_INDEX)
        batch_op.create_index(
            NEW_RESCHEDULE_INDEX, ["dag_id", "run_id", "task_id", MAP_INDEX, "try_number"]
        )
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
    op.execute(sa.text("DELETE FROM task_reschedule WHERE map_index <> -1"))
    with op.batch_alter_table("task_reschedule", schema=None) as batch_op:
        batch_op.drop_index(NEW_RESCHEDULE_INDEX)
        batch_op.drop_column(MAP_INDEX)
        batch_op.create_index(OLD_RESCHEDULE_INDEX, ["dag_id", "run_id", "task_id", "try_number"])
    op.execute(sa.text(f"DELETE FROM {RTIF} WHERE map_index <> -1"))
    with op.batch_alter_table(RTIF, schema=None) as batch_op:
        batch_op.drop_constraint(RTIF_FK, type_="foreignkey")
        batch_op.drop_constraint(f"pk_{RTIF}", type_="primary")
        batch_op.create_primary_key(f"pk_{RTIF}", ["dag_id", "run_id", "task_id"])
        batch_op.drop_column(MAP_INDEX)
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
    with op.batch_alter_table(RTIF, schema=None) as batch_op:
        batch_op.create_foreign_key(
            RTIF_FK,
            "task_instance",
            ["dag_id", "run_id", "task_id"],
            ["dag_id", "run_id", "task_id"],
            ondelete="CASCADE",
        )
