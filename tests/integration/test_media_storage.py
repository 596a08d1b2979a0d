"""Both media storages: files under a directory, and an S3 bucket on a moto server that the
tests run on loopback."""

import asyncio
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aioboto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from adapters.media_storage import LocalMediaStorage, S3MediaStorage
from domain.errors import Unavailable
from domain.media.model import storage_key

BUCKET = "stadtkern-media"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def a_key(variant: str = "card", extension: str = "webp", tenant: uuid.UUID | None = None) -> str:
    return storage_key(tenant or uuid.uuid4(), uuid.uuid4(), variant, extension)


# Local files


@pytest.fixture
def local(tmp_path: Path) -> LocalMediaStorage:
    return LocalMediaStorage(tmp_path / "media", "/media")


async def test_a_stored_file_reads_back_and_is_served_from_under_the_root(local, tmp_path):
    key = a_key()
    await local.put(key, b"RIFF-webp", "image/webp")

    assert await local.get(key) == b"RIFF-webp"
    assert await local.file_path(key) == (tmp_path / "media" / key).resolve()
    assert local.url(key) == f"/media/{key}"


async def test_storing_again_overwrites_and_leaves_no_temporary_file(local, tmp_path):
    key = a_key()
    await local.put(key, b"first", "image/webp")
    await local.put(key, b"second", "image/webp")

    assert await local.get(key) == b"second"
    assert [p.name for p in (tmp_path / "media" / key).parent.iterdir()] == ["card.webp"]


async def test_a_missing_file_reads_as_none(local):
    assert await local.get(a_key()) is None
    assert await local.file_path(a_key()) is None


async def test_deleting_twice_is_safe_and_removes_the_emptied_directories(local, tmp_path):
    tenant = uuid.uuid4()
    gone = [a_key("card", "webp", tenant), a_key("full", "jpg", tenant)]
    kept = a_key("original", "png", tenant)
    for key in [*gone, kept]:
        await local.put(key, b"x", "image/webp")

    await local.delete(gone)
    await local.delete(gone)

    assert [await local.get(key) for key in gone] == [None, None]
    assert await local.get(kept) == b"x"
    assert sorted(p.name for p in (tmp_path / "media" / tenant.hex).iterdir()) == [
        kept.split("/")[1]
    ]
    await local.delete([kept])
    assert list((tmp_path / "media").iterdir()) == []


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "/etc/passwd",
        "a/b/c.jpg",
        f"{'a' * 32}/../{'b' * 32}/card.jpg",
        f"{'a' * 32}/{'b' * 32}/card.gif",
        f"{'a' * 32}\\{'b' * 32}\\card.jpg",
        f"{'a' * 32}/{'b' * 32}/card.jpg\n",
        f"{'A' * 32}/{'b' * 32}/card.jpg",
    ],
)
async def test_a_key_of_any_other_shape_is_never_a_path(local, key):
    assert await local.file_path(key) is None
    with pytest.raises(ValueError):
        await local.get(key)


async def test_a_symlink_out_of_the_root_is_not_followed(local, tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not for the public")
    key = a_key("card", "jpg")
    await local.put(key, b"x", "image/jpeg")
    link = tmp_path / "media" / key
    link.unlink()
    link.symlink_to(secret)

    assert await local.file_path(key) is None
    assert await local.get(key) is None


async def test_a_symlinked_directory_out_of_the_root_is_not_followed(local, tmp_path):
    outside = tmp_path / "outside"
    (outside / ("b" * 32)).mkdir(parents=True)
    (outside / ("b" * 32) / "card.jpg").write_bytes(b"not for the public")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / ("a" * 32)).symlink_to(outside)

    assert await local.file_path(f"{'a' * 32}/{'b' * 32}/card.jpg") is None


# S3 through moto


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
async def s3_client(s3_endpoint: str) -> AsyncIterator:
    """A plain client for arranging and checking, beside the adapter under test."""
    session = aioboto3.Session(**CREDENTIALS, region_name="us-east-1")
    config = Config(s3={"addressing_style": "path"}, max_pool_connections=16)
    async with session.client("s3", endpoint_url=s3_endpoint, config=config) as client:
        await client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def s3(s3_endpoint: str, s3_client) -> S3MediaStorage:
    return S3MediaStorage(
        bucket=BUCKET,
        public_base_url="https://cdn.example.org/",
        endpoint_url=s3_endpoint,
        access_key_id=CREDENTIALS["aws_access_key_id"],
        secret_access_key=CREDENTIALS["aws_secret_access_key"],
        key_prefix="media/",
    )


async def test_an_object_is_stored_with_its_type_and_cached_for_good(s3, s3_client):
    key = a_key("card", "webp")
    await s3.put(key, b"RIFF-webp", "image/webp")

    head = await s3_client.head_object(Bucket=BUCKET, Key=f"media/{key}")
    assert head["ContentType"] == "image/webp"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert await s3.get(key) == b"RIFF-webp"


async def test_a_missing_object_reads_as_none(s3):
    assert await s3.get(a_key()) is None


async def test_the_url_is_under_the_public_base_and_the_prefix(s3):
    key = a_key("thumbnail", "jpg")
    assert s3.url(key) == f"https://cdn.example.org/media/{key}"


async def test_deleting_more_than_a_thousand_keys_removes_all_in_batches(s3, s3_client):
    tenant = uuid.uuid4()
    keys = [a_key(tenant=tenant) for _ in range(1100)]
    limit = asyncio.Semaphore(16)

    async def arrange(key: str) -> None:
        async with limit:
            await s3_client.put_object(Bucket=BUCKET, Key=f"media/{key}", Body=b"x")

    await asyncio.gather(*(arrange(key) for key in keys))
    # moto takes any number of keys in one request, S3 at most 1000: count them.
    batches: list[int] = []
    s3._session.events.register(
        "before-call.s3.DeleteObjects",
        lambda params, **_: batches.append(params["body"].count(b"<Key>")),
    )

    await s3.delete(keys)
    await s3.delete(keys)

    listed = await s3_client.list_objects_v2(Bucket=BUCKET, Prefix=f"media/{tenant.hex}/")
    assert listed["KeyCount"] == 0
    assert batches == [1000, 100, 1000, 100]


def store_at(endpoint_url: str) -> S3MediaStorage:
    return S3MediaStorage(
        bucket=BUCKET,
        public_base_url="https://cdn.example.org",
        endpoint_url=endpoint_url,
        access_key_id="test",
        secret_access_key="test",
        max_attempts=1,
    )


async def test_an_unreachable_store_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    store = store_at(f"http://127.0.0.1:{port}")
    with pytest.raises(Unavailable):
        await store.put(a_key(), b"x", "image/webp")
    with pytest.raises(Unavailable):
        await store.get(a_key())
    with pytest.raises(Unavailable):
        await store.delete([a_key()])


class Overloaded(BaseHTTPRequestHandler):
    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline()
        if self.parse_request():
            body = b"<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_a_store_answering_503_is_unavailable():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Overloaded)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        store = store_at(f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(Unavailable):
            await store.put(a_key(), b"x", "image/webp")
        with pytest.raises(Unavailable):
            await store.get(a_key())
        with pytest.raises(Unavailable):
            await store.delete([a_key()])
    finally:
        server.shutdown()
        server.server_close()
