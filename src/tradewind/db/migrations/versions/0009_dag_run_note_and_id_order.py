"""Stable API: a dag run's note, and an index listing a DAG's runs in id order.

Airflow's stable API triggers runs with a ``note`` and lists a DAG's runs by ``id`` (its
default ``order_by``); the ``(dag_id, id)`` index serves that page from the index alone,
however many runs the DAG has.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "ix_dag_run_dag_id_id"


def upgrade() -> None:
    with op.batch_alter_table("dag_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.create_index(INDEX, ["dag_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dag_run", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column("note")
