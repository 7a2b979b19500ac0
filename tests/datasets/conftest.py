from tests.scheduling.conftest import harness

__all__ = ["harness"]
