from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tradewind.authoring.retries import next_retry_at

END = datetime(2024, 1, 1, tzinfo=UTC)


def delay(try_number: int, **overrides: object) -> timedelta:
    args: dict[str, object] = {
        "end_date": END,
        "try_number": try_number,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "max_retry_delay": None,
        "task_key": "dag/task/run",
    }
    args.update(overrides)
    return next_retry_at(**args) - END  # type: ignore[arg-type]


def test_fixed_delay() -> None:
    assert delay(1, retry_exponential_backoff=False) == timedelta(minutes=5)
    assert delay(7, retry_exponential_backoff=False) == timedelta(minutes=5)


def test_exponential_backoff_doubles_with_small_jitter() -> None:
    for try_number in (1, 2, 3, 4):
        base = timedelta(minutes=5) * 2 ** (try_number - 1)
        assert base <= delay(try_number) < base * 1.1


def test_jitter_is_deterministic_per_task() -> None:
    assert delay(3) == delay(3)
    assert delay(3, task_key="other/task/run") != delay(3)


def test_caps() -> None:
    assert delay(4, max_retry_delay=timedelta(minutes=12)) == timedelta(minutes=12)
    assert delay(30) == timedelta(days=1)
    assert delay(10_000) == timedelta(days=1)
