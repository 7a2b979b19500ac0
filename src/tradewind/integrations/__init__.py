"""Hooks and operators that talk to outside systems (SMTP, ...)."""
