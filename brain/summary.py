"""The conversation tier of memory: a rolling summary of what scrolled out of a long conversation.

History is kept short so every turn stays fast and cheap; when it grows past its limit the oldest
half is folded, with the previous summary, into a few sentences that the prompt carries instead.
"""

from __future__ import annotations

import logging
from typing import Any

from brain.llm import BrainNotConfigured, BrainUnavailable, Claude

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Summarize the earlier part of a conversation between Hard-E (an AI sales director) and an employee,
for Hard-E to remember as the conversation goes on. Keep names, job numbers, amounts, dates, what
was changed in the CRM, what was promised, and open questions. At most 120 words, plain sentences."""


def render(messages: list[dict[str, Any]]) -> str:
    """Messages as plain lines; tool traffic reduced to which tools ran."""
    lines = []
    for message in messages:
        who = "Employee" if message["role"] == "user" else "Hard-E"
        content = message["content"]
        if isinstance(content, str):
            lines.append(f"{who}: {content}")
            continue
        for block in content:
            if block.get("type") == "text" and block.get("text"):
                lines.append(f"{who}: {block['text']}")
            elif block.get("type") == "tool_use":
                lines.append(f"(Hard-E used {block['name']})")
    return "\n".join(lines)


async def fold(claude: Claude, model: str, previous: str, dropped: list[dict[str, Any]]) -> str:
    """The new rolling summary; on failure, the old one (the turn must not fail over this)."""
    earlier = f"Summary so far:\n{previous}\n\n" if previous else ""
    prompt = f"{earlier}Conversation to fold in:\n<transcript>\n{render(dropped)}\n</transcript>"
    try:
        reply = await claude.reply(
            models=[model],
            system=[{"type": "text", "text": INSTRUCTIONS}],
            messages=[{"role": "user", "content": prompt}],
            tools=[],
            max_tokens=300,
        )
    except (BrainNotConfigured, BrainUnavailable) as error:
        log.warning("could not summarize the conversation (%s); keeping the previous summary", error)
        return previous
    return reply.text.strip() or previous
