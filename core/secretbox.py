"""Encryption of tenant secrets at rest (Leap tokens and the like).

AES-256-GCM with versioned keys: ``HARDE_SECRET_KEYS="k2:<base64>,k1:<base64>"`` lists keys newest
first. Encryption always uses the newest; decryption uses whichever key id the ciphertext names,
so keys can rotate without a flag day (``rotate`` re-encrypts an old value). Every ciphertext is
bound to a context string (for example ``tenant:t1:leap_token``) as associated data, so a value
copied to another tenant or field fails to decrypt instead of being silently accepted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.private import FILE_MODE, private_dir
from core.settings import Settings

log = logging.getLogger(__name__)

_PREFIX = "hs1"
_NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class SecretBoxError(Exception):
    """A key is malformed, or a ciphertext is unknown, corrupt or tampered with."""


def parse_keys(specs: Sequence[str]) -> list[tuple[str, bytes]]:
    """Parse ``id:base64key`` entries (newest first) into (id, 32-byte key) pairs."""
    keys: list[tuple[str, bytes]] = []
    for spec in specs:
        key_id, sep, encoded = spec.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise SecretBoxError("each HARDE_SECRET_KEYS entry must look like '<id>:<base64 key>'")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise SecretBoxError(f"HARDE_SECRET_KEYS entry {key_id!r} is not valid base64") from None
        if len(key) != 32:
            raise SecretBoxError(f"HARDE_SECRET_KEYS entry {key_id!r} must decode to 32 bytes")
        if any(existing == key_id for existing, _ in keys):
            raise SecretBoxError(f"HARDE_SECRET_KEYS lists key id {key_id!r} twice")
        keys.append((key_id, key))
    return keys


def new_key_spec(key_id: str | None = None) -> str:
    """A fresh ``id:base64key`` entry for HARDE_SECRET_KEYS."""
    key_id = key_id or f"k{secrets.token_hex(3)}"
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


class SecretBox:
    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise SecretBoxError("at least one secret key is required")
        self._newest_id = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}
        # A separate key per secret key for keyed look-ups, so no key serves two algorithms.
        self._index_keys = [_derive_index_key(key) for _key_id, key in keys]

    def keyed_digests(self, value: str, *, context: str) -> list[str]:
        """Keyed, one-way digests of ``value`` (newest key first), for looking up a low-entropy
        secret such as a PIN by value: without the key, a leaked index cannot be brute-forced."""
        message = f"{context}\0{value}".encode()
        return [hmac.new(key, message, hashlib.sha256).hexdigest() for key in self._index_keys]

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self._newest_id].encrypt(nonce, plaintext.encode(), context.encode())
        payload = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{_PREFIX}:{self._newest_id}:{payload}"

    def decrypt(self, token: str, *, context: str) -> str:
        key_id, blob = self._split(token)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SecretBoxError(f"secret was encrypted with key {key_id!r}, which is not configured")
        try:
            return cipher.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], context.encode()).decode()
        except InvalidTag:
            raise SecretBoxError("secret failed authentication (tampered, or wrong context)") from None

    def needs_rotation(self, token: str) -> bool:
        return self._split(token)[0] != self._newest_id

    def rotate(self, token: str, *, context: str) -> str:
        """Re-encrypt with the newest key (no-op when already current)."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)

    @staticmethod
    def _split(token: str) -> tuple[str, bytes]:
        prefix, _, rest = token.partition(":")
        key_id, _, payload = rest.partition(":")
        if prefix != _PREFIX or not key_id or not payload:
            raise SecretBoxError("not a Hard-E secret (expected 'hs1:<key id>:<data>')")
        try:
            blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            raise SecretBoxError("secret payload is not valid base64") from None
        if len(blob) <= _NONCE_BYTES:
            raise SecretBoxError("secret payload is truncated")
        return key_id, blob


def _derive_index_key(key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"hard-e keyed index").derive(key)


def secret_box_from_settings(settings: Settings) -> SecretBox:
    """The configured keys; in development, a generated key under ``var/`` (with a loud warning)."""
    if settings.secret_keys:
        return SecretBox(parse_keys(settings.secret_keys))
    if settings.is_production:  # settings validation already refuses this; belt and braces
        raise SecretBoxError("HARDE_SECRET_KEYS is required in production")
    path = settings.var_dir / "dev-secret.key"
    spec = _read_or_create_dev_key(path)
    log.warning(
        "HARDE_SECRET_KEYS is not set: using a development key from %s. Secrets encrypted with it are "
        "only as safe as that file. Set HARDE_SECRET_KEYS (see `harde secret-key`) before real use.",
        path,
    )
    return SecretBox(parse_keys([spec]))


def _read_or_create_dev_key(path: Path) -> str:
    private_dir(path.parent)
    if path.exists():
        path.chmod(FILE_MODE)  # a key written before files were made private
        return path.read_text().strip()
    spec = new_key_spec("dev")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w") as handle:
        handle.write(spec + "\n")
    return spec
