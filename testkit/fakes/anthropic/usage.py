"""Plausible token usage, including prompt-cache writes and reads.

Counts are estimates (about four characters per token), good enough for usage metrics and cost
reports to show sensible numbers. The prompt cache is modelled because the brain relies on it:
a prefix that ends at a ``cache_control`` marker is written the first time it is sent and read
on later requests to the same model, so a test can prove that a second turn hits the cache.
Not modelled: the minimum cacheable length and cache expiry.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from testkit.fakes.anthropic.request import JsonObject, prompt_blocks


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    output_tokens: int

    def as_json(self) -> JsonObject:
        return asdict(self)


class PromptCache:
    """Prefixes written to the cache so far, keyed by model and content."""

    def __init__(self) -> None:
        self._prefixes: set[str] = set()

    def clear(self) -> None:
        self._prefixes.clear()

    def usage(self, body: Mapping[str, Any], output_tokens: int) -> Usage:
        """Usage of one request, writing its marked prefixes to the cache."""
        digest = hashlib.sha256(str(body.get("model", "")).encode())
        total = 0
        breakpoints: list[tuple[str, int]] = []
        for _location, block in prompt_blocks(body):
            # The marker itself is not content: the same prefix is marked on one turn and
            # unmarked on the next, and must still hit.
            content = json.dumps({k: v for k, v in block.items() if k != "cache_control"}, sort_keys=True)
            digest.update(content.encode())
            total += estimate_tokens(content)
            if "cache_control" in block:
                breakpoints.append((digest.copy().hexdigest(), total))
        read = max((tokens for key, tokens in breakpoints if key in self._prefixes), default=0)
        written = breakpoints[-1][1] - read if breakpoints else 0
        self._prefixes.update(key for key, _tokens in breakpoints)
        return Usage(
            input_tokens=total - read - written,
            cache_creation_input_tokens=written,
            cache_read_input_tokens=read,
            output_tokens=output_tokens,
        )
