"""Paperwork attached to an email or a text (Leap's internal `attachments[]` and `media[i]`, proposed
for v3): each must name a record of its type, and what was sent shows in the outbox."""

from __future__ import annotations

from tests.leap_sandbox.test_sandbox_writes import TOKEN, api, app, validation

__all__ = ["api", "app"]  # the fixtures


async def test_an_email_carries_a_document_and_a_worksheet(api, app):
    ds = app.state.sandbox.dataset(TOKEN)
    report = next(d for d in ds.documents.values() if d.kind == "measurement")
    sheet = next(iter(ds.worksheets.values()))

    sent = await api.post(
        "/emails/send",
        data={
            "to[]": "homeowner@example.com",
            "subject": "Your measurement report",
            "content": "<p>Attached.</p>",
            "attachments[0][type]": "measurement",
            "attachments[0][value]": str(report.id),
            "attachments[1][type]": "worksheet",
            "attachments[1][value]": str(sheet.id),
        },
    )

    assert sent.status_code == 200, sent.text
    [email] = app.state.sandbox.outbox(TOKEN)["emails"]
    assert [(a["type"], a["value"], a["name"]) for a in email["attachments"]] == [
        ("measurement", report.id, report.title),
        ("worksheet", sheet.id, sheet.name),
    ]


async def test_an_attachment_must_name_a_record_of_its_type(api, app):
    ds = app.state.sandbox.dataset(TOKEN)
    photo = next(d for d in ds.documents.values() if d.kind == "photo")

    errors = validation(
        await api.post(
            "/emails/send",
            data={
                "to[]": "homeowner@example.com",
                "subject": "S",
                "content": "C",
                "attachments[0][type]": "proposal",  # a photo is a resource, not a proposal
                "attachments[0][value]": str(photo.id),
                "attachments[1][type]": "contract",
                "attachments[1][value]": "1",
            },
        )
    )

    assert errors == {
        "attachments.0.value": ["The selected attachments.0.value is invalid."],
        "attachments.1.type": ["The selected attachments.1.type is invalid."],
    }
    assert app.state.sandbox.outbox(TOKEN)["emails"] == []


async def test_a_text_carries_one_file(api, app):
    ds = app.state.sandbox.dataset(TOKEN)
    proposal = next(d for d in ds.documents.values() if d.kind == "proposal")
    form = {"phone_number": "3035550100", "message": "Your proposal."}
    one = {"media[0][type]": "proposal", "media[0][value]": str(proposal.id)}
    two = {**one, "media[1][type]": "proposal", "media[1][value]": str(proposal.id)}

    assert validation(await api.post("/phone_messages", data={**form, **two})) == {
        "media": ["The media may not have more than 1 items."]
    }
    sent = await api.post("/phone_messages", data={**form, **one})

    assert sent.status_code == 200, sent.text
    [text] = app.state.sandbox.outbox(TOKEN)["texts"]
    assert [(m["type"], m["value"]) for m in text["media"]] == [("proposal", proposal.id)]
    assert text["media"][0]["name"] == proposal.title
