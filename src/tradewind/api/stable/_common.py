"""What every ``/api/v1`` handler needs (shared with the experimental API's handlers)."""

from __future__ import annotations

from tradewind.api.experimental._common import blocking, config, database, quick_read
from tradewind.api.responses import actor, json_object

__all__ = ["actor", "blocking", "config", "database", "json_object", "quick_read"]
