"""The helpers and accessors Airflow DAG files call, with Airflow's signatures and meaning."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

import pendulum
import pytest

from tradewind import DAG
from tradewind.authoring.timezone import coerce_utc_or_none, days_ago, plain_timedelta
from tradewind.compat.configuration import AirflowConfigView
from tradewind.config import Config
from tradewind.exceptions import ConfigError, DagDefinitionError


def test_days_ago_takes_a_time_of_day() -> None:
    started = days_ago(1, hour=6, minute=30)
    today = datetime.now(UTC).replace(hour=6, minute=30, second=0, microsecond=0)
    assert started == today - timedelta(days=1)


def test_convert_to_utc_lets_none_through() -> None:
    assert coerce_utc_or_none(None) is None


def test_a_duration_of_months_is_refused_with_what_to_write() -> None:
    with pytest.raises(DagDefinitionError, match="@monthly"):
        plain_timedelta(pendulum.duration(months=1))
    assert plain_timedelta(pendulum.duration(hours=6)) == timedelta(hours=6)


def test_cron_with_a_start_date_in_another_zone_is_warned_about() -> None:
    with pytest.warns(UserWarning, match="evaluated in UTC"):
        DAG(
            "paris",
            schedule="0 2 * * *",
            start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Paris"),
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DAG("utc", schedule="0 2 * * *", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))


def test_airflow_conf_converts_like_airflow(config: Config) -> None:
    conf = AirflowConfigView(config)
    assert conf.getint("core", "shutdown_grace") == 20
    assert isinstance(conf.getint("core", "shutdown_grace"), int)
    assert conf.getboolean("core", "load_examples") is False
    assert conf.getfloat("core", "parallelism") == 32.0
    assert conf.getint("core", "no_such_key", fallback=7) == 7
    with pytest.raises(ConfigError, match="is not an integer"):
        conf.getint("core", "dags_folder")
