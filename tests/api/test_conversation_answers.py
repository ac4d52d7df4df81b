"""What a typed answer carries beyond its words: the documents it cites, and an answer (never an
HTTP 500) when Anthropic refuses the request. Real app over loopback, real SDK, fake Messages API."""

from __future__ import annotations

from brain.conversation import APOLOGY
from core import claude_models
from testkit.fakes.anthropic import invalid_request, model_not_found, on_tool_result, reply, tool_use
from tests.api.conftest import Api

PRICES = (
    b"# Price sheet\n\n## Metal roofs\n\nStanding seam runs 14 dollars a square foot installed.\n\n"
    b"## Gutters\n\nSeamless aluminium gutters run 11 dollars a foot.\n"
)


async def _ask(api: Api, headers: dict[str, str], text: str) -> dict[str, object]:
    started = await api.http.post("/v1/conversations", headers=headers)
    assert started.status_code == 201, started.text
    answer = await api.http.post(
        f"/v1/conversations/{started.json()['id']}/messages", json={"text": text}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


async def test_a_knowledge_answer_cites_the_document_and_heading_it_came_from(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "conversations", "knowledge")
    uploaded = await api.http.post(
        "/v1/tenants/acme/knowledge",
        files={"file": ("prices.md", PRICES, "text/markdown")},
        headers=key["headers"],
    )
    assert uploaded.status_code == 201, uploaded.text
    api.fake.script(
        reply(tool_use("search_knowledge", {"query": "standing seam metal roof price"})),
        on_tool_result("search_knowledge", "Standing seam runs 14 dollars a square foot installed."),
    )

    body = await _ask(api, key["headers"], "Tell me about standing seam")  # no cue: only the tool searches

    assert body["reply"] == "Standing seam runs 14 dollars a square foot installed."
    citations = body["citations"]
    assert isinstance(citations, list)
    assert {"document": "prices.md", "heading": "Price sheet > Metal roofs"} in citations
    assert len(citations) == len({(c["document"], c["heading"]) for c in citations})  # each once


async def test_an_answer_without_documents_cites_nothing(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "conversations")
    api.fake.script(reply("Morning."))

    body = await _ask(api, key["headers"], "good morning")

    assert body["citations"] == []


async def test_a_retired_model_falls_back_to_the_fallback_model(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "conversations")
    retired = claude_models.TEXT_MODEL
    api.fake.fail(model_not_found(retired), model=retired, times=None)
    api.fake.script(reply("Fallback here."))

    body = await _ask(api, key["headers"], "hello")

    assert (body["reply"], body["model"]) == ("Fallback here.", claude_models.FALLBACK_MODEL)
    assert [request.model for request in api.fake.requests] == [retired, claude_models.FALLBACK_MODEL]


async def test_a_request_anthropic_refuses_gets_an_apology_not_a_500(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "conversations")
    api.fake.fail(invalid_request("messages.0.content: bad shape"), times=None)  # every model: 400

    body = await _ask(api, key["headers"], "hello")

    assert body["reply"] == APOLOGY
    assert body["citations"] == []
    assert {request.model for request in api.fake.requests} == {
        claude_models.TEXT_MODEL,
        claude_models.FALLBACK_MODEL,
    }
