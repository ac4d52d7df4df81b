"""The Direct Tools API holds every argument to the schema ``GET /v1/tools`` publishes for it."""

from __future__ import annotations

from testkit.schemas import forbidden_null_or_zero
from tests.api.conftest import Api


async def test_every_tool_refuses_null_or_zero_where_its_published_schema_forbids_them(api: Api):
    await api.tenant("acme")
    key = await api.key("acme", "tools:read", "tools:write")
    tools = (await api.http.get("/v1/tools", headers=key["headers"])).json()
    cases = [
        (tool["name"], name, value)
        for tool in tools
        for name, prop in tool["input_schema"]["properties"].items()
        for value in forbidden_null_or_zero(prop)
    ]
    assert len({tool for tool, _, _ in cases}) >= 20  # every tool with arguments, not a few

    accepted = []
    for tool, name, value in cases:
        response = await api.http.post(
            f"/v1/tools/{tool}", params={"dry_run": "true"}, json={name: value}, headers=key["headers"]
        )
        refused_fields = [error["loc"] for error in response.json().get("errors", [])]
        if response.status_code != 422 or ["body", name] not in refused_fields:
            accepted.append(f"{tool}: {name}={value!r} answered {response.status_code}")

    assert not accepted, "\n".join(accepted)
