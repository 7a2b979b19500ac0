"""Metrics: one catalog of named metrics, emitted to Prometheus and (optionally) StatsD.

Call sites name a metric from :mod:`tradewind.observability.metrics` and pass its fields;
the emitter fans the event out to prometheus-client (multiprocess files under the home, so
every webserver worker serves the same numbers) and, with ``[metrics] statsd_on``, to a
StatsD server under Airflow's metric names. This package sits just above config: every
layer may emit, and it imports nothing that reaches the database.
"""
