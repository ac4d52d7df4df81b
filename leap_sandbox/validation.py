"""Laravel-style field validation: collect every problem, then fail once with 412 (reference §2.7).

Each reader returns the converted value, or None when the field is absent or invalid (the problem is
recorded). Absent means "not sent", which updates treat as "leave unchanged". Messages follow
Laravel's default wording, since that is what Leap's clients see.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from leap_sandbox.clock import parse_date, parse_timestamp
from leap_sandbox.errors import ValidationFailed

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no", ""}


class Validator:
    """Reads fields of one (possibly nested) body mapping and records Laravel messages per field."""

    def __init__(
        self, body: Mapping[str, Any], *, prefix: str = "", errors: dict[str, list[str]] | None = None
    ) -> None:
        self._body = body
        self._prefix = prefix
        self.errors: dict[str, list[str]] = {} if errors is None else errors

    # -- plumbing ---------------------------------------------------------------------------------

    def name(self, field: str) -> str:
        return f"{self._prefix}{field}"

    def label(self, field: str) -> str:
        """Laravel's attribute text: `first_name` -> `first name`; dotted nested names stay as they are."""
        full = self.name(field)
        return full if "." in full else full.replace("_", " ")

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(self.name(field), []).append(message)

    def sent(self, field: str) -> bool:
        """The field was in the body at all, even empty (an update then clears it)."""
        return field in self._body

    def present(self, field: str) -> bool:
        value = self._body.get(field)
        return value is not None and value != "" and value != [] and value != {}

    def _require(self, field: str, required: bool) -> bool:
        """True when the field holds a value to convert; records `required` when it must and does not."""
        if self.present(field):
            return True
        if required:
            self.fail(field, f"The {self.label(field)} field is required.")
        return False

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    # -- scalars ----------------------------------------------------------------------------------

    def text(self, field: str, *, required: bool = False, max_length: int = 255) -> str | None:
        if not self._require(field, required):
            return None
        value = self._body[field]
        if isinstance(value, dict | list | bool):
            self.fail(field, f"The {self.label(field)} must be a string.")
            return None
        text = str(value).strip()
        if not text:
            if required:
                self.fail(field, f"The {self.label(field)} field is required.")
            return None
        if len(text) > max_length:
            self.fail(field, f"The {self.label(field)} may not be greater than {max_length} characters.")
            return None
        return text

    def integer(
        self, field: str, *, required: bool = False, among: Collection[int] | None = None
    ) -> int | None:
        if not self._require(field, required):
            return None
        number = _as_int(self._body[field])
        if number is None:
            self.fail(field, f"The {self.label(field)} must be an integer.")
            return None
        if among is not None and number not in among:
            self.fail(field, f"The selected {self.label(field)} is invalid.")
            return None
        return number

    def amount(self, field: str, *, required: bool = False) -> float | None:
        """A positive money amount, rounded to cents."""
        if not self._require(field, required):
            return None
        value = self._body[field]
        try:
            number = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or number != number:  # NaN never equals itself
            self.fail(field, f"The {self.label(field)} must be a number.")
            return None
        if number <= 0:
            self.fail(field, f"The {self.label(field)} must be greater than 0.")
            return None
        return round(number, 2)

    def flag(self, field: str) -> int | None:
        """A Leap boolean, answered as 0/1 (Leap's own representation)."""
        if field not in self._body or self._body[field] is None:
            return None
        value = self._body[field]
        normalized = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
        if normalized in _TRUE:
            return 1
        if normalized in _FALSE:
            return 0
        self.fail(field, f"The {self.label(field)} field must be true or false.")
        return None

    def choice(self, field: str, options: Collection[str], *, required: bool = False) -> str | None:
        text = self.text(field, required=required)
        if text is not None and text not in options:
            self.fail(field, f"The selected {self.label(field)} is invalid.")
            return None
        return text

    def email(self, field: str, *, required: bool = False) -> str | None:
        text = self.text(field, required=required)
        if text is not None and not EMAIL_PATTERN.match(text):
            self.fail(field, f"The {self.label(field)} must be a valid email address.")
            return None
        return text

    def timestamp(self, field: str, *, required: bool = False) -> datetime | None:
        text = self.text(field, required=required)
        if text is None:
            return None
        stamp = parse_timestamp(text)
        if stamp is None:
            self.fail(field, f"The {self.label(field)} does not match the format Y-m-d H:i:s.")
        return stamp

    def day(self, field: str, *, required: bool = False) -> date | None:
        text = self.text(field, required=required)
        if text is None:
            return None
        day = parse_date(text)
        if day is None:
            self.fail(field, f"The {self.label(field)} does not match the format Y-m-d.")
        return day

    # -- collections ------------------------------------------------------------------------------

    def _array(self, field: str, required: bool) -> list[Any] | None:
        if not self._require(field, required):
            return None
        value = self._body[field]
        if not isinstance(value, list):
            self.fail(field, f"The {self.label(field)} must be an array.")
            return None
        return value

    def int_list(
        self, field: str, *, required: bool = False, among: Collection[int] | None = None
    ) -> list[int] | None:
        values = self._array(field, required)
        if values is None:
            return None
        numbers: list[int] = []
        for index, value in enumerate(values):
            number = _as_int(value)
            if number is None:
                self.fail(f"{field}.{index}", f"The {self.name(f'{field}.{index}')} must be an integer.")
            elif among is not None and number not in among:
                self.fail(f"{field}.{index}", f"The selected {self.name(f'{field}.{index}')} is invalid.")
            elif number not in numbers:
                numbers.append(number)
        return numbers

    def text_list(self, field: str, *, required: bool = False) -> list[str] | None:
        values = self._array(field, required)
        if values is None:
            return None
        return [str(value).strip() for value in values if str(value).strip()]

    def children(self, field: str, *, required: bool = False) -> list[Validator] | None:
        """One validator per element of an array of objects (`phones[0][label]`), sharing our errors."""
        values = self._array(field, required)
        if values is None:
            return None
        children = []
        for index, value in enumerate(values):
            if isinstance(value, Mapping):
                children.append(Validator(value, prefix=f"{self.name(field)}.{index}.", errors=self.errors))
            else:
                self.fail(f"{field}.{index}", f"The {self.name(f'{field}.{index}')} must be an array.")
        return children

    def child(self, field: str) -> Validator | None:
        """A validator over a nested object (`address[city]`), or None when it was not sent."""
        value = self._body.get(field)
        if value is None or value == "":
            return None
        if not isinstance(value, Mapping):
            self.fail(field, f"The {self.label(field)} must be an array.")
            return None
        return Validator(value, prefix=f"{self.name(field)}.", errors=self.errors)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return None
