"""datasets: dataset, aliases, events, schedule/outlet references, run queue, run<->event

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tradewind.db.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.String(length=250)
URI = sa.String(length=3000)


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uri", URI, nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset")),
        sa.UniqueConstraint("uri", name=op.f("uq_dataset_uri")),
    )
    op.create_table(
        "dataset_alias",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", URI, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_alias")),
        sa.UniqueConstraint("name", name=op.f("uq_dataset_alias_name")),
    )
    op.create_table(
        "dataset_alias_dataset",
        sa.Column("alias_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alias_id"],
            ["dataset_alias.id"],
            ondelete="CASCADE",
            name=op.f("fk_dataset_alias_dataset_alias_id_dataset_alias"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            ondelete="CASCADE",
            name=op.f("fk_dataset_alias_dataset_dataset_id_dataset"),
        ),
        sa.PrimaryKeyConstraint("alias_id", "dataset_id", name=op.f("pk_dataset_alias_dataset")),
    )
    op.create_table(
        "dataset_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("source_dag_id", ID, nullable=True),
        sa.Column("source_task_id", ID, nullable=True),
        sa.Column("source_run_id", ID, nullable=True),
        sa.Column("source_map_index", sa.Integer(), nullable=False),
        sa.Column("source_aliases", sa.JSON(), nullable=False),
        sa.Column("timestamp", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            ondelete="CASCADE",
            name=op.f("fk_dataset_event_dataset_id_dataset"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_event")),
    )
    op.create_index(
        op.f("ix_dataset_event_dataset_id_timestamp"),
        "dataset_event",
        ["dataset_id", "timestamp"],
    )
    for table, key, extra in (
        ("dag_schedule_dataset_reference", "dataset_id", []),
        ("dag_schedule_dataset_alias_reference", "alias_id", []),
        ("task_outlet_dataset_reference", "dataset_id", ["task_id"]),
    ):
        target = "dataset_alias" if key == "alias_id" else "dataset"
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), nullable=False),
            sa.Column("dag_id", ID, nullable=False),
            *(sa.Column(name, ID, nullable=False) for name in extra),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.ForeignKeyConstraint(
                [key],
                [f"{target}.id"],
                ondelete="CASCADE",
                name=op.f(f"fk_{table}_{key}_{target}"),
            ),
            sa.PrimaryKeyConstraint(key, "dag_id", *extra, name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "dataset_dag_run_queue",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("target_dag_id", ID, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            ondelete="CASCADE",
            name=op.f("fk_dataset_dag_run_queue_dataset_id_dataset"),
        ),
        sa.PrimaryKeyConstraint(
            "dataset_id", "target_dag_id", name=op.f("pk_dataset_dag_run_queue")
        ),
    )
    op.create_table(
        "dagrun_dataset_event",
        sa.Column("dag_run_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_run_id"],
            ["dag_run.id"],
            ondelete="CASCADE",
            name=op.f("fk_dagrun_dataset_event_dag_run_id_dag_run"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["dataset_event.id"],
            ondelete="CASCADE",
            name=op.f("fk_dagrun_dataset_event_event_id_dataset_event"),
        ),
        sa.PrimaryKeyConstraint("dag_run_id", "event_id", name=op.f("pk_dagrun_dataset_event")),
    )


def downgrade() -> None:
    for table in (
        "dagrun_dataset_event",
        "dataset_dag_run_queue",
        "task_outlet_dataset_reference",
        "dag_schedule_dataset_alias_reference",
        "dag_schedule_dataset_reference",
    ):
        op.drop_table(table)
    op.drop_index(op.f("ix_dataset_event_dataset_id_timestamp"), table_name="dataset_event")
    for table in ("dataset_event", "dataset_alias_dataset", "dataset_alias", "dataset"):
        op.drop_table(table)
