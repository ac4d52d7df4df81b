"""Blob store: knowledge documents, search indexes, transcripts, audit archives.

One small async interface with two implementations: a local directory (the embedded default) and
S3. Keys are validated before they touch a path or a bucket, and ``scoped`` hands a tenant a view
that cannot name anything outside its own prefix.

The blocking calls (file I/O, boto3) run on this module's own thread pool, never asyncio's default
one: whatever else fills that pool (document parsing once held every thread of it for minutes)
cannot make a transcript, an upload or a search index wait.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from core.private import private_dir
from core.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

P = ParamSpec("P")
T = TypeVar("T")

_IO_THREADS: Final = 16
_io_pool = ThreadPoolExecutor(_IO_THREADS, thread_name_prefix="blob-io")


async def _blocking(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``asyncio.to_thread``, on the blob store's own threads."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_io_pool, call)


_SEGMENT = re.compile(r"^[A-Za-z0-9._@+=-][A-Za-z0-9._@+= -]*$")
_MAX_KEY_LENGTH = 900


class BlobError(Exception):
    """Base class for blob store errors."""


class InvalidBlobKey(BlobError, ValueError):
    """The key is malformed or tries to leave its prefix."""


class BlobNotFound(BlobError, KeyError):
    """No blob under that key."""


def validate_key(key: str) -> str:
    """Accept ``a/b/c.txt``-style keys; refuse absolute paths, ``..``, empty segments, odd bytes."""
    if not key or len(key) > _MAX_KEY_LENGTH:
        raise InvalidBlobKey(f"blob key must be 1-{_MAX_KEY_LENGTH} characters")
    segments = key.split("/")
    for segment in segments:
        if segment in ("", ".", "..") or not _SEGMENT.match(segment):
            raise InvalidBlobKey(
                f"invalid blob key {key!r}: segments may use letters, digits, space and ._@+=- "
                "and may not be empty, '.' or '..'"
            )
    return key


def _validate_prefix(prefix: str) -> str:
    if prefix == "":
        return prefix
    if not prefix.endswith("/"):
        raise InvalidBlobKey(f"prefix {prefix!r} must end with '/'")
    validate_key(prefix.rstrip("/"))
    return prefix


class BlobStore(ABC):
    """The operations every backend offers."""

    @abstractmethod
    async def put(self, key: str, data: bytes, content_type: str | None = None) -> None: ...

    @abstractmethod
    async def get(self, key: str) -> bytes: ...

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""

    @abstractmethod
    async def list_keys(self, prefix: str = "") -> list[str]:
        """Keys under ``prefix`` (which ends with '/' or is empty), sorted."""

    @abstractmethod
    async def presigned_url(self, key: str, expires_s: int = 300) -> str | None:
        """A time-limited download URL where the backend supports one, else None."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise BlobError when the store is unusable (for /readyz and `harde doctor`)."""

    def scoped(self, prefix: str) -> BlobStore:
        """A view whose keys all live under ``prefix``; it cannot reach outside it."""
        return ScopedBlobStore(self, prefix)


class ScopedBlobStore(BlobStore):
    def __init__(self, inner: BlobStore, prefix: str) -> None:
        self._inner = inner
        self._prefix = _validate_prefix(prefix)

    def _key(self, key: str) -> str:
        return self._prefix + validate_key(key)

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        await self._inner.put(self._key(key), data, content_type)

    async def get(self, key: str) -> bytes:
        return await self._inner.get(self._key(key))

    async def delete(self, key: str) -> None:
        await self._inner.delete(self._key(key))

    async def list_keys(self, prefix: str = "") -> list[str]:
        keys = await self._inner.list_keys(self._prefix + _validate_prefix(prefix))
        return [key.removeprefix(self._prefix) for key in keys]

    async def presigned_url(self, key: str, expires_s: int = 300) -> str | None:
        return await self._inner.presigned_url(self._key(key), expires_s)

    async def ping(self) -> None:
        await self._inner.ping()

    def scoped(self, prefix: str) -> BlobStore:
        return ScopedBlobStore(self._inner, self._prefix + _validate_prefix(prefix))


class LocalBlobStore(BlobStore):
    """Blobs as files under one directory; writes are atomic (temp file + rename).

    Only the server's user may read them: directories are 0700, and files 0600 (``mkstemp``).
    """

    def __init__(self, root: Path) -> None:
        self.root = private_dir(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidBlobKey(f"invalid blob key {key!r}")
        return path

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        await _blocking(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await _blocking(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFound(key) from None

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def list_keys(self, prefix: str = "") -> list[str]:
        start = self.root / _validate_prefix(prefix) if prefix else self.root
        return await _blocking(self._walk, start)

    def _walk(self, start: Path) -> list[str]:
        if not start.is_dir():
            return []
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in start.rglob("*")
            if path.is_file() and not path.name.startswith(".tmp-")
        )

    async def presigned_url(self, key: str, expires_s: int = 300) -> str | None:
        return None

    async def ping(self) -> None:
        try:
            private_dir(self.root)
            probe = self.root / ".ping"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise BlobError(f"blob directory {self.root} is not writable: {error}") from error


class S3BlobStore(BlobStore):
    """Blobs in one S3 bucket. boto3 is blocking, so every call runs in a worker thread."""

    def __init__(self, bucket: str, *, region: str | None = None, endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self._s3: S3Client = boto3.client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(
                retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30
            ),
        )

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        await _blocking(self._s3.put_object, Bucket=self.bucket, Key=validate_key(key), Body=data, **extra)

    async def get(self, key: str) -> bytes:
        try:
            response = await _blocking(self._s3.get_object, Bucket=self.bucket, Key=validate_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise BlobNotFound(key) from None
            raise
        body: bytes = await _blocking(response["Body"].read)
        return body

    async def delete(self, key: str) -> None:
        await _blocking(self._s3.delete_object, Bucket=self.bucket, Key=validate_key(key))

    async def list_keys(self, prefix: str = "") -> list[str]:
        return await _blocking(self._list, _validate_prefix(prefix))

    def _list(self, prefix: str) -> list[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        keys = [
            item["Key"]
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]
        return sorted(keys)

    async def presigned_url(self, key: str, expires_s: int = 300) -> str | None:
        return await _blocking(
            self._s3.generate_presigned_url,
            "get_object",
            Params={"Bucket": self.bucket, "Key": validate_key(key)},
            ExpiresIn=expires_s,
        )

    async def ping(self) -> None:
        try:
            await _blocking(self._s3.head_bucket, Bucket=self.bucket)
        except Exception as error:
            raise BlobError(f"S3 bucket {self.bucket!r} is not reachable: {error}") from error


def blob_store_from_settings(settings: Settings) -> BlobStore:
    """S3 when a bucket is configured, else the local directory under ``var/blobs``."""
    if settings.s3_bucket:
        return S3BlobStore(
            settings.s3_bucket, region=settings.s3_region, endpoint_url=settings.s3_endpoint_url
        )
    return LocalBlobStore(settings.blob_dir)
