"""``[core] fernet_key``: a malformed key is refused when the store is made, not later."""

from __future__ import annotations

import pytest

from tradewind.exceptions import ConfigError
from tradewind.security.fernet import FernetCodec, FernetDecryptError, generate_fernet_key


@pytest.mark.parametrize("key", ["not-a-key", "x" * 44, "a2V5", f"{generate_fernet_key()},short"])
def test_a_malformed_key_is_refused_at_once(key: str) -> None:
    with pytest.raises(ConfigError, match="not a list of Fernet keys"):
        FernetCodec(key)


def test_values_round_trip_and_an_old_key_still_reads() -> None:
    old, new = generate_fernet_key(), generate_fernet_key()
    stored, encrypted = FernetCodec(old).encrypt("s3cret")
    assert encrypted and stored != "s3cret"
    assert FernetCodec(f"{new},{old}").decrypt(stored, True) == "s3cret"
    with pytest.raises(FernetDecryptError):
        FernetCodec(new).decrypt(stored, True)


def test_no_key_stores_plaintext() -> None:
    codec = FernetCodec("")
    assert not codec.encrypts
    assert codec.encrypt("v") == ("v", False)
