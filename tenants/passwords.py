"""People's passwords: argon2id (``argon2-cffi``, RFC 9106's low-memory profile), slow on purpose.

A hash costs tens of milliseconds of CPU and 64 MiB, which is what makes a stolen hash expensive
to guess, and also why callers run these functions in a thread (``asyncio.to_thread``): on the
event loop one sign-in would stall every call the worker carries. ``verify`` of an unknown account
checks against a fixed dummy hash, so a wrong email costs the same time as a wrong password and
the answer's timing does not tell which accounts exist.
"""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 256  # long enough for any passphrase; bounds what one attempt can make us hash

_hasher = PasswordHasher()  # argon2id
_DUMMY_HASH: Final = _hasher.hash("not anyone's password, only spent time")


def check_password(password: str) -> str:
    """``password`` if a person may choose it; ValueError saying what is wrong otherwise."""
    if len(password) < MIN_LENGTH:
        raise ValueError(
            f"a password needs at least {MIN_LENGTH} characters; a short sentence is easy to remember"
        )
    if len(password) > MAX_LENGTH:
        raise ValueError(f"a password has at most {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash to store for ``password`` (slow: call it in a thread)."""
    return _hasher.hash(check_password(password))


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches the ``stored`` hash; None (no password set) spends the same time
    on a dummy hash and answers False (slow: call it in a thread)."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with weaker parameters than today's (rehash at the next sign-in)."""
    return _hasher.check_needs_rehash(stored)
