"""Media storage: files under a directory (the embedded default) or objects in an
S3-compatible bucket (MinIO, Ceph, AWS, Hetzner)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aioboto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError, IncompleteReadError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from domain.errors import Unavailable

# The shape storage_key makes, and nothing else: no "..", no absolute path, no backslash.
_KEY = re.compile(r"[0-9a-f]{32}/[0-9a-f]{32}/[a-z][a-z0-9_-]{0,39}\.(?:jpg|png|webp)")

# A key's bytes never change meaning (a new upload gets a new media id), so caches keep them.
CACHE_CONTROL = "public, max-age=31536000, immutable"


def is_storage_key(key: str) -> bool:
    return _KEY.fullmatch(key) is not None


class LocalMediaStorage:
    """Files under `root`, one directory per tenant and media item; the API serves them."""

    def __init__(self, root: Path, url_prefix: str) -> None:
        self._root = root
        self._url_prefix = url_prefix.rstrip("/")

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(_write_atomically, self._path(key), data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._read, self._path(key))

    async def delete(self, keys: Sequence[str]) -> None:
        paths = [self._path(key) for key in keys]
        await asyncio.to_thread(_remove, paths)

    def url(self, key: str) -> str:
        return f"{self._url_prefix}/{key}"

    async def file_path(self, key: str) -> Path | None:
        """The file to serve for a key: None when the key is not one we make, the file is
        missing, or a symlink leads out of the root."""
        if not is_storage_key(key):
            return None
        return await asyncio.to_thread(self._file_inside_root, self._root / key)

    def _path(self, key: str) -> Path:
        if not is_storage_key(key):
            raise ValueError(f"not a media storage key: {key!r}")
        return self._root / key

    def _read(self, path: Path) -> bytes | None:
        real = self._file_inside_root(path)
        return real.read_bytes() if real else None

    def _file_inside_root(self, path: Path) -> Path | None:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a symlink loop
            return None
        if not real.is_relative_to(self._root.resolve()) or not real.is_file():
            return None
        return real


def _write_atomically(path: Path, data: bytes) -> None:
    # Readers see the old file or the new one, never a half-written one.
    for attempt in range(3):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
            break
        except FileNotFoundError:
            # A delete removed the emptied directory between mkdir and here: make it again.
            if attempt == 2:
                raise
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, 0o644)  # mkstemp's 0600 would hide public files from a front server
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    # The media item's directory, then the tenant's, once empty; one still in use stays.
    for directory in {path.parent for path in paths}:
        for emptied in (directory, directory.parent):
            try:
                emptied.rmdir()
            except FileNotFoundError:
                continue
            except OSError:
                break


class MediaStoreRefused(Exception):
    """The store answered but refused (access denied, no such bucket): a setup problem."""


# Codes S3 sends for a failure that passes; anything else per key is a refusal.
_TRANSIENT_CODES = frozenset({"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout"})
_DELETE_BATCH = 1000  # the most keys S3 takes in one DeleteObjects request


class S3MediaStorage:
    """Objects in one bucket of any S3-compatible store, addressed path-style; clients fetch
    them from `public_base_url` (the bucket's own URL or a CDN in front of it).

    A client per call: media calls are few (an upload, the worker's variants, a removal), so
    building one (a few milliseconds; the session caches credentials and the service model)
    costs less than minding a long-lived client's event loop and closing it. Unreachable or
    failing stores raise Unavailable; refusals raise ClientError or MediaStoreRefused."""

    def __init__(
        self,
        *,
        bucket: str,
        public_base_url: str,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        key_prefix: str = "",
        connect_timeout: float = 5.0,
        max_attempts: int = 3,
    ) -> None:
        # Without keys, the default AWS chain (environment, profile, instance role) applies.
        self._session = aioboto3.Session(
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            region_name=region,
        )
        self._bucket = bucket
        self._endpoint_url = endpoint_url or None
        self._public_base_url = public_base_url.rstrip("/")
        self._key_prefix = f"{key_prefix.strip('/')}/" if key_prefix.strip("/") else ""
        self._config = Config(
            s3={"addressing_style": "path"},
            connect_timeout=connect_timeout,
            read_timeout=30,
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            # Only the checksums S3 requires: the newer defaults break many compatible stores.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        async with self._client() as s3:
            await s3.put_object(
                Bucket=self._bucket,
                Key=self._key_prefix + key,
                Body=data,
                ContentType=content_type,
                CacheControl=CACHE_CONTROL,
            )

    async def get(self, key: str) -> bytes | None:
        async with self._client() as s3:
            try:
                response = await s3.get_object(Bucket=self._bucket, Key=self._key_prefix + key)
            except s3.exceptions.NoSuchKey:
                return None
            return await response["Body"].read()

    async def delete(self, keys: Sequence[str]) -> None:
        names = [self._key_prefix + key for key in dict.fromkeys(keys)]
        if not names:
            return
        async with self._client() as s3:
            for start in range(0, len(names), _DELETE_BATCH):
                batch = names[start : start + _DELETE_BATCH]
                response = await s3.delete_objects(
                    Bucket=self._bucket,
                    Delete={"Objects": [{"Key": name} for name in batch], "Quiet": True},
                )
                _raise_for_failed_keys(response.get("Errors", []))

    def url(self, key: str) -> str:
        return f"{self._public_base_url}/{self._key_prefix}{key}"

    @contextlib.asynccontextmanager
    async def _client(self) -> AsyncIterator[Any]:
        try:
            async with self._session.client(
                "s3", endpoint_url=self._endpoint_url, config=self._config
            ) as s3:
                yield s3
        except (EndpointUnreachable, HTTPClientError, IncompleteReadError) as exc:
            raise Unavailable("the media store cannot be reached") from exc
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status >= 500 or exc.response.get("Error", {}).get("Code") in _TRANSIENT_CODES:
                raise Unavailable("the media store is failing") from exc
            raise


def _raise_for_failed_keys(errors: list[dict[str, str]]) -> None:
    # Stores differ on a missing key: S3 reports it deleted, some report NoSuchKey.
    failed = [error for error in errors if error.get("Code") != "NoSuchKey"]
    if not failed:
        return
    summary = ", ".join(f"{error.get('Key')}: {error.get('Code')}" for error in failed[:5])
    if all(error.get("Code") in _TRANSIENT_CODES for error in failed):
        raise Unavailable(f"the media store did not delete {len(failed)} files")
    raise MediaStoreRefused(f"the media store refused to delete {len(failed)} files ({summary})")
