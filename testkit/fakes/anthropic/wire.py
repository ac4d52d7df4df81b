"""A scripted reply in Anthropic's wire format: a Message object, or its SSE event stream.

The stream re-expresses the finished Message the way the API streams it: ``message_start``
(empty content, usage so far), ``ping``, then per block ``content_block_start`` /
``content_block_delta`` x N / ``content_block_stop``, then ``message_delta`` (stop reason, final
usage) and ``message_stop``. Text arrives a few words per delta and tool input as JSON fragments
(the first one empty, as the API sends it), so client code that only handles whole chunks fails
here as it would against Claude.
"""

from __future__ import annotations

import json
import re
import uuid

from testkit.fakes.anthropic.request import JsonObject
from testkit.fakes.anthropic.script import Reply, Text
from testkit.fakes.anthropic.usage import PromptCache, estimate_tokens

WORDS_PER_TEXT_DELTA = 3
CHARS_PER_JSON_DELTA = 12

SseEvent = tuple[str, JsonObject]


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def build_message(reply: Reply, request_body: JsonObject, cache: PromptCache) -> JsonObject:
    """The complete Message the API would return for ``reply`` (what ``stream: false`` gets)."""
    content: list[JsonObject] = [
        {"type": "text", "text": block.text}
        if isinstance(block, Text)
        else {"type": "tool_use", "id": block.id or new_id("toolu"), "name": block.name, "input": block.input}
        for block in reply.blocks
    ]
    generated = "".join(
        block["text"] if block["type"] == "text" else json.dumps(block["input"]) for block in content
    )
    usage = cache.usage(request_body, output_tokens=estimate_tokens(generated))
    return {
        "id": new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": request_body["model"],
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "usage": usage.as_json(),
    }


def stream_events(message: JsonObject) -> list[SseEvent]:
    """The SSE events that stream ``message``."""
    started = {
        **message,
        "content": [],
        "stop_reason": None,
        "usage": {**message["usage"], "output_tokens": 1},
    }
    events: list[SseEvent] = [
        ("message_start", {"type": "message_start", "message": started}),
        ("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opening: JsonObject = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in text_pieces(block["text"])]
        else:
            opening = {**block, "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": piece} for piece in json_pieces(block["input"])
            ]
        events.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": opening})
        )
        events.extend(
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            for delta in deltas
        )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": message["usage"],
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def encode_event(event: SseEvent) -> bytes:
    name, data = event
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def text_pieces(words: str) -> list[str]:
    """``words`` cut after every few words; the pieces join back to exactly ``words``."""
    tokens = re.split(r"(?<=\s)(?=\S)", words)
    return [
        "".join(tokens[start : start + WORDS_PER_TEXT_DELTA])
        for start in range(0, len(tokens), WORDS_PER_TEXT_DELTA)
    ]


def json_pieces(value: JsonObject) -> list[str]:
    """``value`` as JSON in short fragments, led by an empty fragment as the API does."""
    encoded = json.dumps(value)
    step = CHARS_PER_JSON_DELTA
    return ["", *(encoded[start : start + step] for start in range(0, len(encoded), step))]
