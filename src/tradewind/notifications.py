"""Notifiers: callback objects for ``on_*_callback`` (see :class:`BaseNotifier`)."""

from __future__ import annotations

from tradewind.authoring.notifier import BaseNotifier

__all__ = ["BaseNotifier"]
