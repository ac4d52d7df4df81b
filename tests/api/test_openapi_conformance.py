"""Schemathesis against the live OpenAPI document of the running app: no 5xx, and every response
fits what the document says (status, content type, schema), as the operator and as a tenant API key.

Every operation gets a fixed number of generated cases, valid and invalid, derandomized so a run is
repeatable. Each case is checked and recorded (a failure does not stop the operation's other cases),
and the test prints how many cases ran and the failures by kind, then fails if there was any.
Kept small enough for the whole suite: about a minute on a quiet machine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis as sync_redis
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from harde.app import create_app
from leap_sandbox import create_sandbox_app
from testkit.servers import serve_in_thread
from tests.api.conftest import ALL_SCOPES, app_settings, bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
TENANT = "schema-check"
EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
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


@dataclass
class Findings:
    """What a run saw: cases sent, failures by kind, and one example of each (operation, kind)."""

    cases: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    examples: dict[tuple[str, str], str] = field(default_factory=dict)

    def record(self, operation: str, kind: str, message: str) -> None:
        self.by_kind[kind] += 1
        self.examples.setdefault((operation, kind), message)

    def summary(self, who: str) -> str:
        kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(self.by_kind.items())) or "none"
        return f"schemathesis as {who}: {self.cases} cases, failures by kind: {kinds}"

    def report(self) -> str:
        found = self.examples.items()
        return "\n\n".join(f"{operation} [{kind}]\n{message}" for (operation, kind), message in found)


def run_every_operation(live: Live, headers: dict[str, str], *, own_tenant: bool) -> Findings:
    """Generated cases (valid and invalid input) for each operation, every one checked and recorded."""
    api = schemathesis.openapi.from_url(f"{live.base_url}/openapi.json")
    findings = Findings()
    for result in api.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _check_operation(result.ok(), mode, live, headers, own_tenant, findings)
            except Unsatisfiable:  # nothing to break: the operation takes no input
                continue
    return findings


def _check_operation(
    operation: APIOperation,
    mode: GenerationMode,
    live: Live,
    headers: dict[str, str],
    own_tenant: bool,
    findings: Findings,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @EXAMPLES
    def check(case: schemathesis.Case) -> None:
        if own_tenant and case.path_parameters and "tenant_id" in case.path_parameters:
            case.path_parameters["tenant_id"] = TENANT  # reach the real work, not a 403
        findings.cases += 1
        try:
            case.call_and_validate(base_url=live.base_url, headers=headers, checks=CHECKS)
        except* Failure as group:
            for failure in group.exceptions:
                assert isinstance(failure, Failure)
                findings.record(operation.label, failure.title, str(failure))
        except* Exception as group:  # the request itself failed: the server hung up, say
            for error in group.exceptions:
                findings.record(operation.label, type(error).__name__, str(error))

    check()


def _run(
    live: Live, headers: dict[str, str], who: str, capsys: pytest.CaptureFixture[str], *, own: bool
) -> None:
    findings = run_every_operation(live, headers, own_tenant=own)
    with capsys.disabled():
        print(f"\n{findings.summary(who)}")
    assert findings.cases > 0
    assert not findings.by_kind, findings.report()


def test_as_the_operator(live: Live, capsys: pytest.CaptureFixture[str]) -> None:
    _run(live, live.operator, "the operator", capsys, own=False)


def test_as_a_tenant_api_key_on_its_own_tenant(live: Live, capsys: pytest.CaptureFixture[str]) -> None:
    _run(live, live.tenant_admin, "a tenant API key", capsys, own=True)
