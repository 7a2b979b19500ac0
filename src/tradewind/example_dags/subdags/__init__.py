"""Helpers Airflow's example DAGs import from their own package (``airflow.example_dags``)."""
