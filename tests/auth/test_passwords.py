"""bcrypt hashing rules and the users operations, on SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from tradewind.db.engine import Database
from tradewind.db.models import User
from tradewind.exceptions import BadRequest, NotFound
from tradewind.operations import users
from tradewind.operations.logins import check_credentials
from tradewind.security.passwords import dummy_hash, hash_password, verify_password

FAST = 4  # bcrypt rounds for tests that check rules, not cost


def test_hash_is_bcrypt_and_checks_only_the_right_password() -> None:
    stored = hash_password("correct horse", rounds=FAST)
    assert stored.startswith("$2b$04$")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    assert not verify_password("", stored)


def test_unicode_passwords_match_in_either_normal_form() -> None:
    stored = hash_password("Çà va, 東京", rounds=FAST)
    assert verify_password(unicodedata.normalize("NFD", "Çà va, 東京"), stored)


@pytest.mark.parametrize("password", ["", "a\x00b", "é" * 37])
def test_passwords_bcrypt_cannot_store_are_refused(password: str) -> None:
    with pytest.raises(BadRequest):
        hash_password(password, rounds=FAST)


def test_longer_password_never_matches_its_72_byte_prefix() -> None:
    stored = hash_password("x" * 72, rounds=FAST)
    assert verify_password("x" * 72, stored)
    assert not verify_password("x" * 73, stored)


@pytest.mark.parametrize("stored", ["", "not a hash", "$2b$12$short", "é"])
def test_unusable_stored_hash_is_a_mismatch_not_an_error(stored: str) -> None:
    assert verify_password("anything", stored) is False


def test_dummy_hash_is_a_real_hash_of_the_same_cost() -> None:
    assert dummy_hash().startswith("$2b$12$")
    assert not verify_password("", dummy_hash())


def test_users_lifecycle(database: Database) -> None:
    created = users.create_user(database, "ada", "pw-1", role="viewer", email="ada@example.com")
    assert (created.username, created.role, created.active) == ("ada", "Viewer", True)
    with pytest.raises(BadRequest, match="already exists"):
        users.create_user(database, "ada", "pw-2")
    with database.session() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "ada"))
    assert stored is not None and stored.startswith("$2b$") and "pw-1" not in stored

    assert check_credentials(database, "ada", "pw-1") is not None
    assert users.get_user(database, "ada").last_login is not None
    assert check_credentials(database, "ada", "pw-2") is None
    assert check_credentials(database, "nobody", "pw-1") is None

    users.reset_password(database, "ada", "pw-2")
    assert check_credentials(database, "ada", "pw-1") is None
    users.set_active(database, "ada", False)
    assert check_credentials(database, "ada", "pw-2") is None
    users.set_active(database, "ada", True)
    assert check_credentials(database, "ada", "pw-2") is not None

    assert [u.username for u in users.list_users(database)] == ["ada"]
    users.delete_user(database, "ada")
    assert users.list_users(database) == []
    with pytest.raises(NotFound, match="doesn't exist"):
        users.delete_user(database, "ada")


@pytest.mark.parametrize("name", ["", " padded", "a:b", "tab\there"])
def test_user_names_basic_auth_cannot_carry_are_refused(name: str) -> None:
    with pytest.raises(BadRequest):
        users.validate_username(name)


def test_unknown_role_is_refused() -> None:
    with pytest.raises(BadRequest, match="Admin, Op, User, Viewer, Public"):
        users.validate_role("superuser")
