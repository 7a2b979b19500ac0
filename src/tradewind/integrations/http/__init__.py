"""HTTP services over httpx: ``HttpHook`` and ``HttpOperator``."""
