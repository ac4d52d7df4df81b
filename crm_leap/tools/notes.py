"""Job notes: read the latest, add one that mentions (and so notifies) colleagues the way Leap does.

Leap mentions a user with an inline ``@[U:<user id>]`` token; Leap itself notifies the people
mentioned. Callers name people ("tell Mike"), so names are resolved to users first, and each
``@Name`` the text already contains becomes that user's token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from crm_leap.company import CompanyUser
from crm_leap.tools.base import Args, ReadTool, ToolContext, Undo, WriteResult, WriteTool
from crm_leap.tools.common import fetch_job, job_label, quoted, user_names
from crm_leap.tools.views import note_view

AREA = "notes"
NOTE_MAX_CHARS = 5000


def mention_token(user: CompanyUser) -> str:
    return f"@[U:{user.id}]"


def with_mentions(text: str, mentions: Sequence[tuple[str, CompanyUser]]) -> str:
    """``text`` with each ``@<spoken name>`` replaced by the user's token; users not named in it go first."""
    leading: list[str] = []
    for spoken, user in mentions:
        forms = sorted({spoken, user.full_name, user.first_name} - {""}, key=len, reverse=True)
        pattern = re.compile("|".join(f"@{re.escape(form)}\\b" for form in forms), re.IGNORECASE)
        text, replaced = pattern.subn(mention_token(user), text)
        if not replaced:
            leading.append(mention_token(user))
    return " ".join([*leading, text]) if leading else text


class ListJobNotesArgs(Args):
    job_id: int = Field(description="The job's Leap id.")
    limit: int = Field(10, ge=1, le=50, description="How many notes, newest first.")


class ListJobNotes(ReadTool[ListJobNotesArgs]):
    name = "list_job_notes"
    area = AREA
    description = "The latest notes on a job, newest first, with who wrote them and who was mentioned."
    args_model = ListJobNotesArgs

    async def handle(self, ctx: ToolContext, args: ListJobNotesArgs) -> dict[str, Any]:
        page = await ctx.leap.list_job_notes(args.job_id, limit=args.limit)
        names = await user_names(ctx)
        return {"total": page.total, "notes": [note_view(note, names) for note in page.items]}


class AddJobNoteArgs(Args):
    job_id: int = Field(description="The job's Leap id.")
    text: str = Field(
        min_length=1,
        max_length=NOTE_MAX_CHARS,
        description="The note. May contain @Name where a mentioned person should appear.",
    )
    mention: list[str] = Field(
        default_factory=list,
        description="Names of company users to mention; Leap notifies each of them. E.g. ['Mike Chen'].",
    )


class ResolvedNote(BaseModel):
    job_id: int
    job: str
    note: str
    mentioned: list[str]


class AddJobNote(WriteTool[AddJobNoteArgs, ResolvedNote]):
    name = "add_job_note"
    area = AREA
    description = (
        "Add a note to a job. Name people in 'mention' to @mention them: Leap notifies each one. "
        "Ambiguous names (two Mikes) come back as a question."
    )
    args_model = AddJobNoteArgs
    resolved_model = ResolvedNote

    async def plan(self, ctx: ToolContext, args: AddJobNoteArgs) -> tuple[str, ResolvedNote]:
        job = await fetch_job(ctx, args.job_id, includes=("customer",))
        mentions: list[tuple[str, CompanyUser]] = []
        for spoken in args.mention:
            user = await ctx.company.resolve_user(spoken)
            if all(user != known for _, known in mentions):
                mentions.append((spoken, user))
        label = job_label(job)
        resolved = ResolvedNote(
            job_id=args.job_id,
            job=label,
            note=with_mentions(args.text, mentions),
            mentioned=[user.full_name for _, user in mentions],
        )
        notify = f" and notify {', '.join(resolved.mentioned)}" if mentions else ""
        return f"Add a note to {label}: {quoted(args.text)}{notify}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedNote) -> WriteResult:
        note = await ctx.leap.add_job_note(resolved.job_id, resolved.note)
        undo = Undo(
            op=self.name,
            args={"note_id": note["id"], "job": resolved.job},
            summary=f"Delete the note just added to {resolved.job}.",
        )
        result = {"note_id": note["id"], "job_id": resolved.job_id, "mentioned": resolved.mentioned}
        return WriteResult(result=result, undo=undo)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        await ctx.leap.delete_job_note(int(args["note_id"]))
        return f"Deleted the note on {args['job']}."
