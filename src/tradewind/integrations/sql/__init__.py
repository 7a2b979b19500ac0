"""SQL databases over SQLAlchemy: the DB-API hook, its per-database kinds, the operator."""
