"""Leap's inline mention token `@[U:<user_id>]` (reference §6), as the app writes it in note text."""

from __future__ import annotations

import re

MENTION_TOKEN = re.compile(r"@\[U:(\d+)\]")


def mentioned_user_ids(text: str) -> list[int]:
    """User ids mentioned in `text`, first occurrence order, each once."""
    return list(dict.fromkeys(int(match) for match in MENTION_TOKEN.findall(text)))


def mention(user_id: int) -> str:
    return f"@[U:{user_id}]"
