"""Hooks and operators that talk to outside systems (SQL databases, HTTP services, SMTP).

Task code, like :mod:`tradewind.authoring`: they reach connections through
:mod:`tradewind.authoring.runtime_secrets`, never through the metadata database.
"""
