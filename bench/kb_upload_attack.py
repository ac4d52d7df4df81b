"""Another tenant's upload and message latency while crafted uploads are being read (issue 14).

Runs ``harde serve`` in its own process with its default reading limits (embedded Redis, local
blobs, a fake Claude on loopback) and measures one tenant, "acme", doing what a user does: upload
a small document (``POST /v1/tenants/acme/knowledge``), then send a conversation message whose
turn retrieves knowledge (``POST /v1/conversations/{id}/messages``), ``ROUNDS`` times in a row.

First on a quiet server, then while ``ATTACKERS`` crafted uploads are in flight the whole time
(three attacking tenants, two each: the per-tenant cap; the server reads eight at once), each
re-sent as soon as it is answered until acme is done, then the last ones awaited: .docx files of
800,000 short paragraphs (2 MB that unpack to ~80 MB of XML), which take more memory or processor
time to read than one document may and are refused. Reported: p50 and max of both latencies per
phase, acme's failures (none expected) and what the attackers got back.
"""

from __future__ import annotations

import asyncio
import collections
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from api import new_operator_token
from bench._server import free_port, start_server, wait_until_ready
from testkit.documents import make_long_docx
from testkit.fakes.anthropic import FakeAnthropic, always, reply
from testkit.servers import serve

ROUNDS = 20
ATTACKERS = 6
PER_TENANT = 2
CRAFTED_PARAGRAPHS = 800_000
QUESTION = "What does a standing seam metal roof cost?"
ANSWER = "Standing seam runs about 14 dollars a square foot installed."
_START_TIMEOUT_S = 120.0


async def _tenant(
    http: httpx.AsyncClient, operator: dict[str, str], tenant_id: str, *scopes: str
) -> dict[str, str]:
    body = {"id": tenant_id, "name": tenant_id, "crm": "sandbox"}
    (await http.post("/v1/tenants", json=body, headers=operator)).raise_for_status()
    key = await http.post(
        f"/v1/tenants/{tenant_id}/api-keys", json={"name": "bench", "scopes": list(scopes)}, headers=operator
    )
    key.raise_for_status()
    return {"Authorization": f"Bearer {key.json()['key']}"}


async def _rounds(
    http: httpx.AsyncClient, acme: dict[str, str], conversation: str, phase: str
) -> tuple[list[float], list[float], collections.Counter[str]]:
    """``ROUNDS`` times: upload a small document, then send a message; latencies in ms, and the
    answers that were not successes."""
    uploads, messages, failures = [], [], collections.Counter[str]()
    for number in range(ROUNDS):
        document = f"# {phase} note {number}\n\nStanding seam panels for job {phase}-{number}.\n".encode()
        files = {"file": (f"{phase}-{number}.md", document)}
        began = time.perf_counter()
        uploaded = await http.post("/v1/tenants/acme/knowledge", files=files, headers=acme)
        uploads.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        answered = await http.post(
            f"/v1/conversations/{conversation}/messages", json={"text": QUESTION}, headers=acme
        )
        messages.append((time.perf_counter() - began) * 1000)
        for what, response in (("upload", uploaded), ("message", answered)):
            if response.status_code >= 300 or (what == "message" and ANSWER not in response.text):
                failures[f"{what} {response.status_code}"] += 1
    return uploads, messages, failures


async def _attack(
    http: httpx.AsyncClient,
    key: dict[str, str],
    tenant: str,
    seed: int,
    stop: asyncio.Event,
    outcomes: collections.Counter[str],
) -> None:
    """Keep one crafted upload in flight until ``stop``; count what comes back."""
    attempt = 0
    while not stop.is_set():
        data = make_long_docx(CRAFTED_PARAGRAPHS + seed * 1_000 + attempt)  # new bytes: never a duplicate
        attempt += 1
        response = await http.post(
            f"/v1/tenants/{tenant}/knowledge",
            files={"file": ("crafted.docx", data)},
            headers=key,
            timeout=300,
        )
        kind = response.json().get("type", "").rsplit("/", 1)[-1] if response.status_code >= 400 else "stored"
        outcomes[f"{response.status_code} {kind}"] += 1


async def _run(scratch: Path) -> None:
    operator_token, operator_hash = new_operator_token()
    operator = {"Authorization": f"Bearer {operator_token}"}
    llm = FakeAnthropic()
    llm.script(always(reply(ANSWER)))
    port = free_port()
    async with (
        serve(llm.app) as llm_url,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as http,
    ):
        server = start_server(
            scratch, port, operator_hash, ANTHROPIC_API_KEY="sk-ant-bench", ANTHROPIC_BASE_URL=llm_url
        )
        try:
            await asyncio.to_thread(
                wait_until_ready, str(http.base_url).rstrip("/"), server, _START_TIMEOUT_S
            )
            acme = await _tenant(http, operator, "acme", "knowledge", "conversations")
            attackers = [
                await _tenant(http, operator, f"mallory-{n}", "knowledge")
                for n in range(ATTACKERS // PER_TENANT)
            ]
            prices = (
                b"# Price sheet\n\n## Metal roofs\n\nStanding seam runs 14 dollars a square foot installed.\n"
            )
            (
                await http.post(
                    "/v1/tenants/acme/knowledge", files={"file": ("prices.md", prices)}, headers=acme
                )
            ).raise_for_status()
            conversation = (await http.post("/v1/conversations", headers=acme)).json()["id"]
            await _rounds(http, acme, conversation, "warm")  # the reader pool and the index cache
            quiet = await _rounds(http, acme, conversation, "quiet")

            stop, outcomes = asyncio.Event(), collections.Counter[str]()
            attacks = [
                asyncio.create_task(
                    _attack(http, attackers[n // PER_TENANT], f"mallory-{n // PER_TENANT}", n, stop, outcomes)
                )
                for n in range(ATTACKERS)
            ]
            await asyncio.sleep(3)  # let the crafted uploads reach the readers
            attacked = await _rounds(http, acme, conversation, "attack")
            stop.set()  # no more crafted uploads; those in flight are answered within the limits
            await asyncio.gather(*attacks)
        finally:
            server.terminate()
            server.wait(timeout=60)

    print(f"{ROUNDS} rounds of (upload a small document, send a message) by tenant acme, per phase")
    print(f"  machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for label, (uploads, messages, failures) in (
        ("quiet server", quiet),
        (f"{ATTACKERS} crafted uploads in flight", attacked),
    ):
        print(f"  {label}:")
        print(f"    acme upload   p50 {statistics.median(uploads):7.1f} ms   max {max(uploads):7.1f} ms")
        print(f"    acme message  p50 {statistics.median(messages):7.1f} ms   max {max(messages):7.1f} ms")
        print(f"    acme failures {dict(failures) or 'none'}")
    print(f"  crafted uploads answered: {dict(sorted(outcomes.items()))}")
    if llm.problems:
        print(f"  fake Claude problems: {llm.problems}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="harde-bench-") as scratch:
        asyncio.run(_run(Path(scratch)))
