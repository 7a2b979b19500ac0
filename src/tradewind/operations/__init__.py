"""The verbs of Tradewind: what the API, the CLI's local client and the UI all call.

One function per action, each taking the :class:`~tradewind.db.engine.Database` (reads
use a read-only transaction, writes one short write transaction) and, for changes, the
name of who asked (recorded in the audit log). Errors are ``tradewind.exceptions``
with the texts the experimental API contract fixes, so every caller reports the same words.
"""
