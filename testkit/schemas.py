"""What a published JSON schema forbids, for tests that hold validation to the schema."""

from __future__ import annotations

from typing import Any


def forbidden_null_or_zero(prop: dict[str, Any]) -> list[Any]:
    """Of ``null`` and ``0``, the values a property's schema does not allow."""
    kinds = [prop["type"]] if isinstance(prop.get("type"), str) else list(prop.get("type", []))
    kinds += [variant.get("type") for variant in prop.get("anyOf", [])]
    values: list[Any] = [] if "null" in kinds else [None]
    numeric = {"integer", "number"} & set(kinds)
    zero_in_range = prop.get("minimum", 0) <= 0 and prop.get("exclusiveMinimum", -1) < 0
    if not numeric or not zero_in_range or 0 not in prop.get("enum", [0]):
        values.append(0)
    return values
