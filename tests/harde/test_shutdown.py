"""SIGTERM stops the server while crafted uploads are being read, and takes their workers with it."""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path

import httpx
import pytest

from api import new_operator_token
from harde.cli import SHUTDOWN_GRACE_S
from testkit.documents import make_long_docx
from testkit.servers import free_port, harde_serve
from tests.harde.test_app import wait_for


def children(pid: int) -> list[int]:
    """The live (not zombie) processes whose parent is ``pid``."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid) and not fields.get("State", "").startswith("Z"):
            found.append(int(status.parent.name))
    return found


def readers(server_pid: int) -> list[int]:
    """Upload readers: the children of the server's forkserver (the only child that has children,
    besides the embedded Redis, which has none)."""
    return [pid for child in children(server_pid) for pid in children(child)]


@pytest.mark.timeout(300)  # starting the server as a process takes a minute on a busy machine
def test_sigterm_stops_the_server_and_its_readers_while_crafted_uploads_are_read(tmp_path):
    token, token_hash = new_operator_token()
    port = free_port()
    server = harde_serve(tmp_path, port, HARDE_OPERATOR_TOKEN_HASH=token_hash)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _healthy(base), timeout=150), "the server did not start"
        operator = {"Authorization": f"Bearer {token}"}
        tenant = {"id": "mallory", "name": "Mallory", "crm": "sandbox"}
        assert httpx.post(f"{base}/v1/tenants", json=tenant, headers=operator).status_code == 201
        key = httpx.post(
            f"{base}/v1/tenants/mallory/api-keys",
            json={"name": "k", "scopes": ["knowledge"]},
            headers=operator,
        ).json()["key"]
        uploads = [
            threading.Thread(target=_upload, args=(base, key, make_long_docx(800_000 + n)), daemon=True)
            for n in range(2)
        ]
        for upload in uploads:
            upload.start()
        assert wait_for(lambda: len(readers(server.pid)) == 2, timeout=90), "the uploads are not being read"
        reading = readers(server.pid)

        server.send_signal(signal.SIGTERM)

        server.wait(timeout=SHUTDOWN_GRACE_S + 30)
        assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in reading), timeout=10)
    finally:
        server.kill()
        server.wait()


def _upload(base: str, key: str, data: bytes) -> None:
    files = {"file": ("crafted.docx", data, "application/octet-stream")}
    headers = {"Authorization": f"Bearer {key}"}
    with contextlib.suppress(httpx.HTTPError):  # the server going away under it is what we test
        httpx.post(f"{base}/v1/tenants/mallory/knowledge", files=files, headers=headers, timeout=120)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False
