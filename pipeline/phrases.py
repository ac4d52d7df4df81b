"""What Hard-E says on a call without asking Claude: greetings, fillers, idle nudges and goodbyes.

These are fixed lines on purpose. They fill moments where a model round trip would itself be the
problem (dead air while a tool runs, a caller who went quiet, an overloaded model) or where the
words must not vary (the limit of a call, a missing API key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from brain import CallContext
from tenants import Tenant

IDLE_PROMPT = "Are you still there?"
IDLE_GOODBYE = "I'll let you go for now. Call back anytime. Bye."
GOODBYE = "Alright, talk soon. Bye."
TIME_LIMIT = "We've reached the time limit for this call. Call back anytime. Goodbye."
LEAP_BUSY = "One moment, Leap is busy."
APOLOGY = "Sorry, I'm having trouble thinking right now. Give me a moment and ask me again."
NOT_CONFIGURED = (
    "Hard-E can't think yet: this installation has no Anthropic API key. "
    "An administrator needs to set ANTHROPIC_API_KEY. Goodbye."
)

_JOB_TOOLS = frozenset({"find_jobs", "job_overview", "job_financials", "list_job_notes"})


def greeting(ctx: CallContext, tenant: Tenant) -> str:
    """The first thing the caller hears: their first name when we know who they are."""
    if ctx.needs_pin:
        return f"Hi, this is Hard-E with {tenant.name}. Please enter your PIN and press pound, or say it."
    if ctx.user_name:
        first = ctx.user_name.split()[0]
        return f"Hey {first}, Hard-E here. What can I do for you?"
    return f"Hi, this is Hard-E with {tenant.name}. How can I help?"


def refusal_goodbye(reason: str) -> str:
    """Why a call cannot go on (a trial that ran out, for example), said once before hanging up."""
    return f"Sorry, {reason[0].lower()}{reason[1:]} Goodbye."


def transferring(who: str) -> str:
    return f"Okay, transferring you to {who} now."


def transfer_summary(who: str, caller: str | None, reason: str) -> str:
    """The one sentence the colleague hears when they pick up a warm transfer."""
    first = who.split()[0] if who and not who.startswith("the ") else "there"
    about = " ".join(reason.split()).rstrip(".")
    about = f" about {about}" if about else ""
    return f"Hi {first}, it's Hard-E: I have {caller or 'a caller'} on the line{about}, connecting you now."


def putting_through(who: str) -> str:
    return f"{who[0].upper()}{who[1:]} is on the line. Putting you through now."


def not_answered(who: str) -> str:
    return (
        f"{who[0].upper()}{who[1:]} didn't pick up, so I'm still here with you. "
        "I can take a message for them."
    )


def filler(calls: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """A short line for a slow tool, naming what is being fetched when the request says it.

    ``calls`` are (tool name, arguments) pairs of one reply; the first one sets the line.
    """
    name, args = calls[0]
    subject = _subject(args)
    if name in _JOB_TOOLS and subject:
        return f"Pulling up the {subject} job..."
    if name == "find_customer" and subject:
        return f"Looking up {subject}..."
    if name == "search_knowledge":
        return "Let me check our documents..."
    if name.startswith(("create_", "change_", "add_", "send_", "update_", "assign_")):
        return "One sec, getting that ready..."
    return "One moment, checking on that..."


def _subject(args: Mapping[str, Any]) -> str:
    """A name the caller said ('Smith'), when the request carries one."""
    for key in ("keyword", "query"):
        value = args.get(key)
        if isinstance(value, str) and value.strip() and not any(ch.isdigit() for ch in value):
            return value.strip()
    return ""
