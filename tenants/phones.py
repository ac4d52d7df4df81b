"""Phone numbers in one canonical form (E.164), so a caller ID always finds its user."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return ``raw`` as E.164 (``+15551234567``) or raise ValueError saying why it is not a number."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number; use a form like +1 555 123 4567") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"{raw!r} has the wrong number of digits for a phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
