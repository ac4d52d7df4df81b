import pytest

from core.secretbox import SecretBox, SecretBoxError, new_key_spec, parse_keys


def box(*specs):
    return SecretBox(parse_keys(specs))


def test_round_trip_and_ciphertext_hides_the_value():
    the_box = box(new_key_spec("k1"))
    sealed = the_box.encrypt("leap-token-123", context="tenant:a:leap_token")
    assert "leap-token-123" not in sealed
    assert sealed != the_box.encrypt("leap-token-123", context="tenant:a:leap_token")  # fresh nonce
    assert the_box.decrypt(sealed, context="tenant:a:leap_token") == "leap-token-123"


def test_rotation_decrypts_old_and_reencrypts_with_newest():
    old, new = new_key_spec("k1"), new_key_spec("k2")
    sealed_old = box(old).encrypt("s3cret-value", context="c")
    rotated_box = box(new, old)
    assert rotated_box.decrypt(sealed_old, context="c") == "s3cret-value"
    assert rotated_box.needs_rotation(sealed_old)
    rotated = rotated_box.rotate(sealed_old, context="c")
    assert rotated.startswith("hs1:k2:")
    assert box(new).decrypt(rotated, context="c") == "s3cret-value"
    with pytest.raises(SecretBoxError, match="key 'k1', which is not configured"):
        box(new).decrypt(sealed_old, context="c")


def test_tampering_and_wrong_context_are_detected():
    the_box = box(new_key_spec("k1"))
    sealed = the_box.encrypt("value-1", context="tenant:a:leap_token")
    prefix, key_id, payload = sealed.split(":")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(SecretBoxError, match="failed authentication"):
        the_box.decrypt(f"{prefix}:{key_id}:{flipped}", context="tenant:a:leap_token")
    with pytest.raises(SecretBoxError, match="failed authentication"):
        the_box.decrypt(sealed, context="tenant:b:leap_token")
    with pytest.raises(SecretBoxError, match="not a Hard-E secret"):
        the_box.decrypt("plain text", context="tenant:a:leap_token")


def test_malformed_keys_are_explained():
    with pytest.raises(SecretBoxError, match="must look like"):
        parse_keys(["nokeyid"])
    with pytest.raises(SecretBoxError, match="32 bytes"):
        parse_keys(["k1:c2hvcnQ"])
