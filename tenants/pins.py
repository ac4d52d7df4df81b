"""Caller PINs, stored as slow salted hashes (scrypt from the standard library).

A PIN has few digits, so a fast hash would fall to brute force if Redis leaked; scrypt's memory
cost makes each guess expensive.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_MIN_DIGITS, _MAX_DIGITS = 4, 8


def check_pin_format(pin: str) -> str:
    if not pin.isdigit() or not _MIN_DIGITS <= len(pin) <= _MAX_DIGITS:
        raise ValueError(f"a PIN is {_MIN_DIGITS}-{_MAX_DIGITS} digits")
    return pin


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def hash_pin(pin: str) -> str:
    salt = os.urandom(_SALT_BYTES)
    digest = _derive(check_pin_format(pin), salt, _N, _R, _P)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = _derive(pin, base64.b64decode(salt), int(n), int(r), int(p))
    return hmac.compare_digest(candidate, base64.b64decode(digest))
