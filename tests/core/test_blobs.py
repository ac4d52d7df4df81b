"""The blob store contract, run against both backends (S3 through moto's server over HTTP)."""

import asyncio
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from moto.server import ThreadedMotoServer

from core.blobs import BlobNotFound, InvalidBlobKey, LocalBlobStore, S3BlobStore


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, monkeypatch):
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"b-{request.node.name.split('[')[0][-20:].replace('_', '-')}".lower()
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return S3BlobStore(bucket, region="us-east-1", endpoint_url=endpoint)


async def test_put_get_list_delete(store):
    await store.put("t/a/kb/doc one.md", b"# Shingles\n", "text/markdown")
    await store.put("t/a/kb/two.txt", b"two")
    await store.put("t/b/kb/other.txt", b"other tenant")
    assert await store.get("t/a/kb/doc one.md") == b"# Shingles\n"
    assert await store.list_keys("t/a/") == ["t/a/kb/doc one.md", "t/a/kb/two.txt"]
    await store.delete("t/a/kb/two.txt")
    await store.delete("t/a/kb/two.txt")  # deleting twice is fine
    assert await store.list_keys("t/a/") == ["t/a/kb/doc one.md"]
    with pytest.raises(BlobNotFound):
        await store.get("t/a/kb/two.txt")
    await store.ping()


async def test_overwrite_replaces_content(store):
    await store.put("k/x.bin", b"1" * 10)
    await store.put("k/x.bin", b"2")
    assert await store.get("k/x.bin") == b"2"


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs/path", "a/../../b", "a//b", "a/./b", "", "a\\..\\b", "a/\x00b", "a/b/"]
)
async def test_keys_cannot_escape(store, key):
    with pytest.raises(InvalidBlobKey):
        await store.put(key, b"x")


async def test_scoped_view_stays_inside_its_prefix(store):
    await store.put("t/other/secret.txt", b"other tenant's")
    mine = store.scoped("t/mine/")
    await mine.put("kb/a.txt", b"mine")
    assert await mine.list_keys() == ["kb/a.txt"]
    assert await store.get("t/mine/kb/a.txt") == b"mine"
    for escape in ("../other/secret.txt", "kb/../../other/secret.txt"):
        with pytest.raises(InvalidBlobKey):
            await mine.get(escape)
    with pytest.raises(InvalidBlobKey):
        store.scoped("t/../")


async def test_presigned_url_downloads_on_s3(store):
    await store.put("p/file.txt", b"presigned body")
    url = await store.presigned_url("p/file.txt", expires_s=60)
    if isinstance(store, LocalBlobStore):
        assert url is None
        return
    assert url is not None
    with urllib.request.urlopen(url) as response:  # noqa: S310 - loopback moto server
        assert response.read() == b"presigned body"


async def test_blob_io_does_not_wait_for_asyncio_default_thread_pool(store):
    """Every thread of asyncio's default pool is stuck (as slow document parsing once held them);
    the blob store still reads and writes."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(2, thread_name_prefix="busy"))
    release = threading.Event()
    stuck = [loop.run_in_executor(None, release.wait, 60) for _ in range(2)]  # submitted at once
    try:
        async with asyncio.timeout(30):
            await store.put("t/a/kb/transcript.txt", b"still answering")
            assert await store.get("t/a/kb/transcript.txt") == b"still answering"
            assert await store.list_keys("t/a/") == ["t/a/kb/transcript.txt"]
    finally:
        release.set()
        await asyncio.gather(*stuck)
