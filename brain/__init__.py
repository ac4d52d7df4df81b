"""The agent: prompt assembly, the tool registry with its safety policy, and typed conversations.

Exports ``Brain`` (builds a caller's ``ToolBox``, ``Conversation`` and ``TurnContextService``),
``TurnContextService``/``TurnFacts`` (what Claude knows on a turn: soul, caller, time, memory,
knowledge; every channel gets them there), ``CallContext`` and ``Channel``, ``Claude`` (the LLM
client with fallback), ``ToolBox``/``TurnState``/``ToolEvent``, ``ToolStatus`` (how a tool call
ended), ``CallControl`` (what a live call does for the transfer and hang-up tools; the pipeline
implements it), ``action_to_read_back`` (which tool result puts a pending change to the caller, so a
channel can report its delivery), the prompt builders, and ``LeapConnector`` (a tenant's CRM, from
``crm_leap``). Voice, text and the Direct Tools API all run tools through ``ToolBox``, so the same
rules hold on every channel.
"""

from brain.context import CallContext, Channel
from brain.conversation import Conversation, ConversationBusy, TurnResult
from brain.llm import BrainNotConfigured, BrainUnavailable, Claude, fails_over
from brain.meta import CallControl, NoCallControl
from brain.prompt import PromptInputs, Style, stable_prompt, system_blocks, turn_prompt
from brain.runtime import Brain
from brain.toolbox import (
    ToolBox,
    ToolEvent,
    ToolOutcome,
    ToolStatus,
    TurnState,
    action_to_read_back,
    caller_said_yes,
    snippet_as_data,
)
from brain.turn_context import TurnContextService, TurnFacts, wants_knowledge
from crm_leap import LeapConnector, LeapNotConnected

__all__ = [
    "Brain",
    "BrainNotConfigured",
    "BrainUnavailable",
    "CallContext",
    "CallControl",
    "Channel",
    "Claude",
    "Conversation",
    "ConversationBusy",
    "LeapConnector",
    "LeapNotConnected",
    "NoCallControl",
    "PromptInputs",
    "Style",
    "ToolBox",
    "ToolEvent",
    "ToolOutcome",
    "ToolStatus",
    "TurnContextService",
    "TurnFacts",
    "TurnResult",
    "TurnState",
    "action_to_read_back",
    "caller_said_yes",
    "fails_over",
    "snippet_as_data",
    "stable_prompt",
    "system_blocks",
    "turn_prompt",
    "wants_knowledge",
]
