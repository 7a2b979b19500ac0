"""The failed-login throttle's counting, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tradewind.db.engine import Database
from tradewind.operations.login_throttle import LoginThrottle, LoginThrottled, ThrottleSettings

SETTINGS = ThrottleSettings(failures_per_user=3, failures_per_address=5, window_seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def fail(throttle: LoginThrottle, username: str, address: str, times: int) -> None:
    for _ in range(times):
        throttle.record_failure(throttle.check(username, address))


def test_a_user_name_is_throttled_until_its_window_ends(database: Database) -> None:
    clock = Clock()
    throttle = LoginThrottle(database, SETTINGS, clock)
    fail(throttle, "victim", "10.0.0.1", 3)
    clock.now += 20
    with pytest.raises(LoginThrottled) as refused:
        throttle.check("victim", "10.0.0.2")  # another address: still the same account
    assert refused.value.retry_after == 40
    throttle.check("alice", "10.0.0.1")  # another user from the attacker's address
    clock.now += 41
    throttle.check("victim", "10.0.0.1")  # the window is over


def test_an_address_is_throttled_across_user_names(database: Database) -> None:
    throttle = LoginThrottle(database, SETTINGS, Clock())
    for name in ("a", "b", "c", "d", "e"):
        fail(throttle, name, "10.0.0.9", 1)
    with pytest.raises(LoginThrottled):
        throttle.check("someone-else", "10.0.0.9")
    throttle.check("someone-else", "10.0.0.10")


def test_the_right_password_forgets_the_user_names_failures(database: Database) -> None:
    throttle = LoginThrottle(database, SETTINGS, Clock())
    fail(throttle, "typo", "10.0.0.1", 2)
    throttle.record_success(throttle.check("typo", "10.0.0.1"))
    fail(throttle, "typo", "10.0.0.1", 2)
    throttle.check("typo", "10.0.0.1")  # 2 failures since the success, not 4


def test_a_user_name_holding_nul_is_refused_without_touching_the_database(
    database: Database,
) -> None:
    """PostgreSQL cannot store NUL: the name must be no one's, not a 500 for a stranger."""
    from tradewind.operations.logins import ThrottledLogins, find_account

    logins = ThrottledLogins(database, LoginThrottle(database, SETTINGS, Clock()))
    assert find_account(database, "al\x00ice") is None
    assert logins.check("al\x00ice", "whatever", "10.0.0.1") is None


@pytest.mark.parametrize(
    "key", ["login_failures_per_user", "login_failures_per_address", "login_failure_window"]
)
def test_a_throttle_setting_of_zero_is_refused_by_name(key: str, tw_env: dict[str, str]) -> None:
    from tradewind.config import load_config
    from tradewind.exceptions import ConfigError

    config = load_config({**tw_env, f"TRADEWIND__WEBSERVER__{key.upper()}": "0"})
    with pytest.raises(ConfigError, match=rf"\[webserver\] {key} must be above 0"):
        ThrottleSettings.from_config(config)
