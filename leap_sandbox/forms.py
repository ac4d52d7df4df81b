"""Write bodies: PHP bracket form keys (what Leap documents) or JSON, both to one nested structure.

`phones[0][number]=1&job[trades][]=4` becomes `{"phones": [{"number": "1"}], "job": {"trades": ["4"]}}`,
the same structure a JSON body carries, so every route validates one shape whatever the encoding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from leap_sandbox.errors import LeapError

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


async def read_body(request: Request) -> dict[str, Any]:
    """The request's write body as nested data; an empty body is an empty mapping."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return _parse_json(await request.body())
    if content_type == "multipart/form-data":
        form = await request.form()
        return nest_bracket_pairs((key, value) for key, value in form.multi_items() if isinstance(value, str))
    text = (await request.body()).decode("utf-8", errors="replace")
    return nest_bracket_pairs(parse_qsl(text, keep_blank_values=True))


def _parse_json(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise LeapError(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise LeapError(400, "The request body must be a JSON object.")
    return data


def nest_bracket_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Build PHP's nested arrays from `a[b][0][c]` keys; `[]` appends; numeric-keyed maps become lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        _insert(root, _split_key(key), value)
    return {name: _listify(value) for name, value in root.items()}


def _split_key(key: str) -> list[str]:
    match = _KEY.match(key)
    if match is None:
        return [key]
    return [match.group(1), *_SEGMENT.findall(match.group(2))]


def _insert(node: dict[str, Any], parts: list[str], value: str) -> None:
    head, rest = parts[0], parts[1:]
    if head == "":
        head = str(_next_index(node))
    if not rest:
        node[head] = value
        return
    child = node.get(head)
    if not isinstance(child, dict):
        child = node[head] = {}
    _insert(child, rest, value)


def _next_index(node: dict[str, Any]) -> int:
    indexes = [int(key) for key in node if key.isdigit()]
    return max(indexes) + 1 if indexes else 0


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {key: _listify(child) for key, child in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted
