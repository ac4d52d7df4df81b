"""Errors as a client meets them: whole messages, every allowed method, problem+json for every
status the framework answers by itself, and an OpenAPI document that names what each route answers."""

from __future__ import annotations

import itertools

import pytest

from api.routes.tools import MAX_BODY_BYTES
from tests.api.conftest import Api

PROBLEMS = "https://hard-e.dev/problems/"
PROBLEM_JSON = "application/problem+json"


async def test_messages_of_the_stores_keep_their_closing_quotes(api: Api):
    await api.tenant("acme")

    again = await api.http.post("/v1/tenants", json={"id": "acme", "name": "Other"}, headers=api.operator)
    missing = await api.http.get("/v1/tenants/nobody", headers=api.operator)

    assert again.json()["detail"] == "a tenant with id 'acme' already exists"
    assert missing.json()["detail"] == "no tenant 'nobody'"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/v1/tenants/acme", {"GET", "PATCH", "DELETE"}),
        ("PUT", "/v1/tenants/acme/api-keys/key1", {"GET", "DELETE"}),
        ("DELETE", "/v1/tenants", {"GET", "POST"}),
    ],
)
async def test_a_wrong_method_is_told_every_method_the_path_takes(api: Api, method, path, allowed):
    response = await api.http.request(method, path, headers=api.operator)

    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert {part.strip() for part in response.headers["allow"].split(",")} == allowed
    assert all(name in response.json()["detail"] for name in allowed)


@pytest.mark.parametrize("credential", ["none", "valid", "wrong"])
async def test_a_body_over_a_routes_limit_is_a_problem_whoever_sends_it(api: Api, credential):
    await api.tenant("acme")
    key = await api.key("acme")
    headers = {
        "none": {},
        "valid": key["headers"],
        "wrong": {"Authorization": "Bearer hde_not-a-key"},
    }[credential]
    body = b'{"text": "' + b"a" * MAX_BODY_BYTES + b'"}'

    response = await api.http.post(
        "/v1/tools/add_job_note", content=body, headers={**headers, "Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"] == PROBLEMS + "request-too-large"


UNREADABLE_BODIES = {
    "application/json": b'{"name": "unterminated',
    "application/json; charset=utf-8": b"[" * 5000,  # nested too deep for the parser
    "application/json; charset=latin-1": b'{"name": "\xe9"}',
    "multipart/form-data; boundary=b0undary": b"--b0undary\r\nContent-Disposition: form-data\r\n\r\nx",
}


async def test_every_operation_documents_what_it_answers_to_a_body_it_cannot_read(api: Api):
    """Schemathesis sends bodies its schema describes; a client's broken JSON or form is answered too."""
    await api.tenant("acme")
    key = await api.key("acme")
    spec = (await api.http.get("/openapi.json")).json()
    undocumented = set()
    for template, item in spec["paths"].items():
        path = template.replace("{tenant_id}", "acme").replace("{", "").replace("}", "")
        for method, operation in item.items():
            if method not in ("post", "put", "patch"):
                continue
            for (media, body), credential in itertools.product(
                UNREADABLE_BODIES.items(), (api.operator, key["headers"])
            ):
                response = await api.http.request(
                    method, path, content=body, headers={**credential, "Content-Type": media}
                )
                if str(response.status_code) not in operation["responses"]:
                    undocumented.add(f"{method.upper()} {template} ({media}): {response.status_code}")

    assert not undocumented, "\n".join(sorted(undocumented))
