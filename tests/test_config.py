from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.config import load_config
from tradewind.exceptions import ConfigError


def test_first_use_writes_commented_defaults_with_a_secret_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = load_config({"TRADEWIND_HOME": str(home)})
    text = (home / "tradewind.cfg").read_text()
    assert "[core]" in text and "# dags_folder = {TRADEWIND_HOME}/dags" in text
    assert config.get("webserver", "secret_key")  # filled in, not empty
    assert config.dags_folder == home / "dags"
    assert config.sql_alchemy_conn == f"sqlite:///{home}/tradewind.db"


def test_file_then_environment_override_defaults(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "tradewind.cfg").write_text("[core]\nparallelism = 8\nload_examples = false\n")
    env = {"TRADEWIND_HOME": str(home), "TRADEWIND__CORE__PARALLELISM": "4"}
    config = load_config(env)
    assert config.get("core", "parallelism") == 4
    source = config.source("core", "parallelism")
    assert source == "environment variable TRADEWIND__CORE__PARALLELISM"
    assert config.get("core", "load_examples") is False
    assert config.source("core", "load_examples") == str(home / "tradewind.cfg")
    assert config.get("core", "max_active_runs_per_dag") == 16


def test_unparsable_value_names_key_and_source(tmp_path: Path) -> None:
    env = {"TRADEWIND_HOME": str(tmp_path), "TRADEWIND__CORE__PARALLELISM": "lots"}
    with pytest.raises(ConfigError) as err:
        load_config(env)
    assert "[core] parallelism" in str(err.value)
    assert "TRADEWIND__CORE__PARALLELISM" in str(err.value)


def test_unknown_key_in_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "tradewind.cfg").write_text("[core]\nparalelism = 8\n")
    with pytest.raises(ConfigError, match=r"\[core\] paralelism.*tradewind.cfg"):
        load_config({"TRADEWIND_HOME": str(tmp_path)})


def test_unknown_section_in_environment_is_an_error(tmp_path: Path) -> None:
    env = {"TRADEWIND_HOME": str(tmp_path), "TRADEWIND__NOPE__KEY": "1"}
    with pytest.raises(ConfigError, match="TRADEWIND__NOPE__KEY"):
        load_config(env)


def test_get_unknown_key_lists_known_ones(tmp_path: Path) -> None:
    config = load_config({"TRADEWIND_HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="dags_folder"):
        config.get("core", "nope")
