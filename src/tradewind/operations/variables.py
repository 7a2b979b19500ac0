"""Variables for the API, the CLI and the UI: checked input, audited changes, hidden secrets.

The rows are read and written by :class:`tradewind.db.secrets_store.SecretsStore`; this
module adds what a person-facing verb needs: a clear 400 for bad input (nothing changed),
the audit log, Airflow's import/export file shape (``{"key": "value", ...}``) and
``***`` in place of the value of a variable whose key looks sensitive, unless asked.
"""

from __future__ import annotations

import json
from typing import Any

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models.variable import VARIABLE_KEY_MAX_LENGTH
from tradewind.db.secrets_store import SecretsStore
from tradewind.exceptions import BadRequest, VariableNotFound
from tradewind.operations import audit
from tradewind.security.masking import MASK, is_sensitive_key


def store(db: Database, config: Config) -> SecretsStore:
    return SecretsStore(db, config)


def validate_key(key: Any) -> str:
    if not isinstance(key, str):
        raise BadRequest(f"Variable key must be a string, not {json.dumps(key, default=str)[:100]}")
    if not key.strip():
        raise BadRequest("Variable key shouldn't be empty")
    if len(key) > VARIABLE_KEY_MAX_LENGTH:
        raise BadRequest(f"Variable key can't be more than {VARIABLE_KEY_MAX_LENGTH} characters")
    if "\x00" in key:
        raise BadRequest("Variable key can't contain a NUL character")
    return key


def validate_text(value: Any, what: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise BadRequest(
            f"Variable {what} must be a string (JSON-encode other values), not "
            f"{json.dumps(value, default=str)[:100]}"
        )
    if "\x00" in value:
        raise BadRequest(f"Variable {what} can't contain a NUL character")
    return value


def _shown(key: str, value: str, description: str | None, reveal: bool) -> dict[str, Any]:
    hidden = not reveal and is_sensitive_key(key)
    return {"key": key, "value": MASK if hidden else value, "description": description}


def list_variables(secrets: SecretsStore, *, reveal: bool = False) -> list[dict[str, Any]]:
    """The stored variables by key (the environment's are not listed, as in Airflow)."""
    return [_shown(var.key, var.val, var.description, reveal) for var in secrets.stored_variables()]


def get_variable(secrets: SecretsStore, key: Any, *, reveal: bool = False) -> dict[str, Any]:
    key = validate_key(key)
    value = secrets.get_variable(key)
    if value is None:
        raise VariableNotFound(f"Variable {key} does not exist")
    description = next((v.description for v in secrets.stored_variables() if v.key == key), None)
    return _shown(key, value, description, reveal)


def set_variable(
    secrets: SecretsStore,
    key: Any,
    value: Any,
    description: Any = None,
    *,
    actor: str,
) -> dict[str, Any]:
    """Create or replace the variable; the stored value is encrypted when a key is set."""
    key = validate_key(key)
    text = validate_text(value, "value")
    assert text is not None
    description = validate_text(description, "description", optional=True)
    with secrets.database.session() as session:
        secrets.write_variable(session, key, text, description)
        audit.record(session, "variable_set", actor, extra={"key": key})
    return _shown(key, text, description, reveal=False)


def delete_variable(secrets: SecretsStore, key: Any, *, actor: str) -> dict[str, Any]:
    key = validate_key(key)
    if not secrets.delete_variable(key):
        raise VariableNotFound(f"Variable {key} does not exist")
    with secrets.database.session() as session:
        audit.record(session, "variable_delete", actor, extra={"key": key})
    return {"key": key, "message": f"Variable {key} deleted"}


def import_variables(secrets: SecretsStore, data: Any, *, actor: str) -> int:
    """Airflow's file shape ``{"key": value}``; a non-string value is stored as its JSON.

    All or nothing: one bad key leaves every variable as it was.
    """
    if not isinstance(data, dict):
        raise BadRequest('a variables file must hold one JSON object: {"key": "value", ...}')
    checked = []
    for key, value in data.items():
        validate_key(key)
        text = value if isinstance(value, str) else json.dumps(value)
        checked.append((key, validate_text(text, f"value of {key!r}") or ""))
    descriptions = {var.key: var.description for var in secrets.stored_variables()}
    with secrets.database.session() as session:
        for key, text in checked:
            secrets.write_variable(session, key, text, descriptions.get(key))
        audit.record(session, "variable_import", actor, extra={"count": len(checked)})
    return len(checked)


def export_variables(secrets: SecretsStore) -> dict[str, Any]:
    """``{"key": value}``; a value that is JSON is written as that JSON, as Airflow does."""
    exported: dict[str, Any] = {}
    for var in secrets.stored_variables():
        try:
            exported[var.key] = json.loads(var.val)
        except ValueError:
            exported[var.key] = var.val
    return exported


# --- the stable API's variables (Airflow 2's /api/v1 rules) ---------------------------------

UPDATABLE = ("value", "description")


def variable_page(
    secrets: SecretsStore, *, limit: int, offset: int, descending: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """One page of the stored variables by key (sensitive values ``***``), and the total.

    Sorted and sliced here rather than in SQL: values are decrypted one by one anyway,
    and an installation holds hundreds of variables, not millions.
    """
    shown = list_variables(secrets)
    if descending:
        shown.reverse()
    return shown[offset : offset + limit], len(shown)


def update_variable(
    secrets: SecretsStore, key: Any, changes: dict[str, Any], *, actor: str
) -> dict[str, Any]:
    """Change the stored variable ``key``: its ``value`` and/or ``description``.

    A variable only set in the environment is not stored, so it is a 404 here, as in
    Airflow: the environment cannot be written from the API.
    """
    key = validate_key(key)
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise BadRequest(f"'{unknown[0]}' is unknown or cannot be updated.")
    stored = next((var for var in secrets.stored_variables() if var.key == key), None)
    if stored is None:
        raise VariableNotFound(f"Variable {key} does not exist")
    value = changes.get("value", stored.val)
    description = changes.get("description", stored.description)
    return set_variable(secrets, key, value, description, actor=actor)
