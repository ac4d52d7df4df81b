"""Pydantic validation errors as short lines a person can act on ("field: what is wrong")."""

from __future__ import annotations

from pydantic import ValidationError


def readable_errors(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "value"
        lines.append(f"{where}: {str(item['msg']).removeprefix('Value error, ')}")
    return "; ".join(lines)
