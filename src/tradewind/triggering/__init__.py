"""``tradewind triggerer``: the asyncio process that waits on deferred tasks' triggers.

One module per concept: ``jobs`` (the triggerer's heartbeat row), ``claims`` (which triggers
this triggerer runs), ``events`` (a fired trigger resumes its task exactly once; timeouts
and failures fail it), ``loading`` (a trigger rebuilt from its row), ``runner`` (the
coroutines) and ``triggerer`` (the loop that ties them together).
"""
