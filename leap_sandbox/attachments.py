"""Files sent with an email or a text (reference §11 `attachments[]`, §12 `media[i]`; both internal
to Leap, so proposed for v3): each is `{type, value}`, a kind of job paperwork and its id.

The types are the ones Leap's app sends (§12): a job file is named by its own kind (`workorder` and
`material_list` as the app spells them, a photo as a `resource`), a worksheet as `worksheet`.
"""

from __future__ import annotations

from typing import Any

from leap_sandbox.dataset import Dataset
from leap_sandbox.presenters_activity import FILES_URL
from leap_sandbox.validation import Validator

FILE_TYPES = {
    "measurement": "measurement",
    "estimate": "estimate",
    "proposal": "proposal",
    "workorder": "work_order",
    "material_list": "material",
    "resource": "photo",
}
"""Attachment type -> the kind of job document it names."""
ATTACHMENT_TYPES = (*FILE_TYPES, "worksheet")


def read_attachments(v: Validator, ds: Dataset, field: str) -> list[dict[str, Any]]:
    """The attachments sent in `field`, each checked to name a record of its type."""
    attached = []
    for child in v.children(field) or []:
        kind = child.choice("type", ATTACHMENT_TYPES, required=True)
        record_id = child.integer("value", required=True)
        if kind is None or record_id is None:
            continue
        found = _describe(ds, kind, record_id)
        if found is None:
            child.fail("value", f"The selected {child.name('value')} is invalid.")
            continue
        attached.append(found)
    return attached


def _describe(ds: Dataset, kind: str, record_id: int) -> dict[str, Any] | None:
    if kind == "worksheet":
        sheet = ds.worksheets.get(record_id)
        if sheet is None:
            return None
        return {"type": kind, "value": sheet.id, "name": sheet.name, "job_id": sheet.job_id, "url": None}
    document = ds.documents.get(record_id)
    if document is None or document.kind != FILE_TYPES[kind]:
        return None
    return {
        "type": kind,
        "value": document.id,
        "name": document.title,
        "job_id": document.job_id,
        "url": f"{FILES_URL}/{document.kind}s/{document.job_id}/{document.file_name}",
    }
