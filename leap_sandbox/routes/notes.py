"""Job notes (reference §6) with `@[U:<id>]` mentions that notify the mentioned users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from leap_sandbox import presenters
from leap_sandbox.clock import company_now
from leap_sandbox.dataset import API_USER, Dataset
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Includes, Page
from leap_sandbox.envelopes import ok, page_of
from leap_sandbox.mentions import mentioned_user_ids
from leap_sandbox.models import Job, Note, Notification
from leap_sandbox.routes.jobs import live_job
from leap_sandbox.validation import Validator

router = APIRouter(tags=["job notes"])

MAX_NOTE_LENGTH = 5000


@router.get("/jobs/{job_id:int}/notes", summary="List a job's notes, newest first")
async def list_notes(
    request: Request, job_id: int, ds: Data, paging: Page, includes: Includes, stage_code: str | None = None
) -> dict[str, Any]:
    ds.find(ds.jobs, job_id, "Job")
    notes = [
        n for n in presenters.sorted_notes(ds, job_id) if stage_code is None or n.stage_code == stage_code
    ]
    return page_of(notes, paging, request.url, lambda n: presenters.note(ds, n, includes))


@router.post(
    "/jobs/{job_id:int}/notes",
    summary="Add a note; `@[U:<user_id>]` mentions notify those users",
    openapi_extra=FORM_BODY_DOC,
)
async def add_note(job_id: int, ds: Data, body: Body) -> dict[str, Any]:
    job = live_job(ds, job_id)
    v = Validator(body)
    text = v.text("note", required=True, max_length=MAX_NOTE_LENGTH)
    stage_code = v.text("stage_code")
    if stage_code is not None and ds.stage(stage_code) is None:
        v.fail("stage_code", "The selected stage code is invalid.")
    mentions = _valid_mentions(v, ds, text)
    v.check()
    assert text is not None
    now = company_now()
    note = Note(
        id=ds.next_id("note"),
        job_id=job.id,
        note=text,
        stage_code=stage_code,
        created_by=API_USER.id,
        created_at=now,
        updated_at=now,
        mention_ids=mentions,
    )
    ds.notes[note.id] = note
    _notify(ds, job, note, mentions)
    return ok(message="Note added successfully.", data=presenters.note(ds, note))


@router.put("/jobs/notes/{note_id:int}", summary="Edit a note", openapi_extra=FORM_BODY_DOC)
async def edit_note(note_id: int, ds: Data, body: Body) -> dict[str, Any]:
    note = ds.find(ds.notes, note_id, "Note")
    job = live_job(ds, note.job_id)
    v = Validator(body)
    text = v.text("note", required=True, max_length=MAX_NOTE_LENGTH)
    mentions = _valid_mentions(v, ds, text)
    v.check()
    assert text is not None
    newly_mentioned = [user_id for user_id in mentions if user_id not in note.mention_ids]
    note.note, note.mention_ids = text, mentions
    note.updated_at, note.modified_by = company_now(), API_USER.id
    _notify(ds, job, note, newly_mentioned)
    return ok(message="Note updated successfully.", data=presenters.note(ds, note))


@router.delete("/jobs/notes/{note_id:int}", summary="Delete a note (proposed)", tags=["job notes (proposed)"])
async def delete_note(note_id: int, ds: Data) -> dict[str, Any]:
    note = ds.find(ds.notes, note_id, "Note")
    live_job(ds, note.job_id)
    del ds.notes[note.id]
    return ok(message="Note deleted successfully.")


def _valid_mentions(v: Validator, ds: Dataset, text: str | None) -> list[int]:
    """Mentioned user ids; an unknown id fails validation so a mention is never silently dropped."""
    mentions = mentioned_user_ids(text or "")
    for user_id in mentions:
        if user_id not in ds.users:
            v.fail("note", f"The mentioned user {user_id} does not exist.")
    return mentions


def _notify(ds: Dataset, job: Job, note: Note, user_ids: list[int]) -> None:
    """One notification per mentioned user, like the push Leap's app sends (`mention_by`)."""
    for user_id in user_ids:
        notification_id = ds.next_id("notification")
        ds.notifications[notification_id] = Notification(
            id=notification_id,
            user_id=user_id,
            type="mention",
            message=f"{API_USER.full_name} mentioned you in a note on job {job.number} ({job.name})",
            job_id=job.id,
            note_id=note.id,
            mention_by=API_USER.id,
            created_at=note.updated_at,
        )
