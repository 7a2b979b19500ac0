"""Plugin modules used by the example DAGs (``airflow.example_dags.plugins`` under compat)."""
