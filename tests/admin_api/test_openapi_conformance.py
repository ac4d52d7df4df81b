"""Schemathesis against the live OpenAPI document of the running app: no 5xx, and every response
fits what the document says (status, content type, schema), as the operator and as a tenant admin.

Kept small (a few examples per operation) so the whole admin suite stays quick; the generated
cases still cover every operation, with valid and invalid input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis as sync_redis
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm_leap.sandbox import create_sandbox_app
from harde.app import create_app
from tests.admin_api.conftest import ALL_SCOPES, app_settings, bearer
from tests.support.servers import serve_in_thread

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
TENANT = "schema-check"
EXAMPLES = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@dataclass(frozen=True)
class Live:
    base_url: str
    operator: dict[str, str]
    tenant_admin: dict[str, str]


@pytest.fixture(scope="module")
def live(redis_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    sync_redis.Redis.from_url(redis_server.url).flushdb()
    with serve_in_thread(create_sandbox_app()) as leap_url:
        config, token = app_settings(
            Path(tmp_path_factory.mktemp("schema")), redis_server.url, leap_base_url=f"{leap_url}/api/v3"
        )
        with serve_in_thread(create_app(config)) as base_url, httpx.Client(base_url=base_url) as http:
            operator = bearer(token)
            tenant = {"id": TENANT, "name": "Schema Check", "crm": "sandbox"}
            http.post("/v1/tenants", json=tenant, headers=operator).raise_for_status()
            key = {"name": "schemathesis", "scopes": list(ALL_SCOPES)}
            secret = http.post(f"/v1/tenants/{TENANT}/api-keys", json=key, headers=operator).json()["key"]
            yield Live(base_url, operator, bearer(secret))
    sync_redis.Redis.from_url(redis_server.url).flushdb()


def run_every_operation(live: Live, headers: dict[str, str], *, own_tenant: bool) -> list[str]:
    """Generated cases (valid and invalid input) for each operation; returns the failures found."""
    api = schemathesis.openapi.from_url(f"{live.base_url}/openapi.json")
    failures = []
    for result in api.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @EXAMPLES
            def check(case: schemathesis.Case) -> None:
                if own_tenant and case.path_parameters and "tenant_id" in case.path_parameters:
                    case.path_parameters["tenant_id"] = TENANT  # reach the real work, not a 403
                case.call_and_validate(base_url=live.base_url, headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:  # nothing to break: the operation takes no input
                continue
            except (Exception, BaseExceptionGroup) as error:  # one failure must not hide the others
                failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


def test_as_the_operator(live: Live) -> None:
    failures = run_every_operation(live, live.operator, own_tenant=False)
    assert not failures, "\n\n".join(failures)


def test_as_a_tenant_admin_on_its_own_tenant(live: Live) -> None:
    failures = run_every_operation(live, live.tenant_admin, own_tenant=True)
    assert not failures, "\n\n".join(failures)
