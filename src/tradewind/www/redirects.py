"""Where a form or a login may send the browser next: only to a page of this site."""

from __future__ import annotations


def local_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirect).

    Browsers treat ``//host``, and ``/\\host`` or ``\\\\host`` (a backslash read as a
    slash), as another site, and drop tabs and newlines from URLs, which can turn
    ``/<tab>/host`` into ``//host``: so a target must start with one slash and contain
    no backslash and no control character.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return default
