"""Declarative base shared by every table; naming convention keeps Alembic diffs stable."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 250  # dag_id, task_id and run_id share Airflow's limit


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
