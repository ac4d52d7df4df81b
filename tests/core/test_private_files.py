"""What the server keeps on disk is for its own user only: directories 0700, files 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import redis

from core.blobs import LocalBlobStore
from core.redis import EmbeddedRedis
from core.secretbox import secret_box_from_settings
from core.settings import Settings


def modes(root: Path) -> dict[str, str]:
    """Every directory and regular file under ``root`` (and ``root``), with its permission bits."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        if path.is_dir() or path.is_file():
            found[path.relative_to(root).as_posix()] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


def private(found: dict[str, str], root: Path) -> dict[str, str]:
    """The same paths with the modes they should have."""
    return {name: ("0o700" if (root / name).is_dir() else "0o600") for name in found}


def test_the_embedded_redis_keeps_its_append_only_file_private(tmp_path: Path):
    data = tmp_path / "var" / "redis"
    server = EmbeddedRedis(data)
    server.start()
    try:
        client = redis.Redis(unix_socket_path=str(server.socket_path))
        client.set("t:acme:secret", "ciphertext")
        client.close()
        found = modes(data)
    finally:
        server.stop()

    assert any("appendonly" in name for name in found), found
    assert found == private(found, data)
    assert modes(tmp_path / "var")["."] == "0o700"


async def test_local_blobs_are_private_files_in_private_folders(tmp_path: Path):
    root = tmp_path / "var" / "blobs"
    store = LocalBlobStore(root)

    await store.put("t/acme/kb/doc-1/original.pdf", b"%PDF-")
    await store.put("t/acme/calls/CA1/transcript.json", b"{}")
    found = modes(root)

    assert len(found) == 9  # the root, six folders, two files
    assert found == private(found, root)


def test_the_development_key_is_private_and_an_old_open_one_is_closed(tmp_path: Path):
    var = tmp_path / "var"
    secret_box_from_settings(Settings(var_dir=var, secret_keys=()))
    key = var / "dev-secret.key"
    assert modes(var) == {".": "0o700", "dev-secret.key": "0o600"}

    key.chmod(0o644)
    var.chmod(0o755)
    secret_box_from_settings(Settings(var_dir=var, secret_keys=()))

    assert modes(var) == {".": "0o700", "dev-secret.key": "0o600"}
