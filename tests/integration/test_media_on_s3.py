"""The whole media path on an S3-compatible store (moto's server on loopback): an upload, its
variants made by the worker, the URLs under the public base, and a deletion that empties the
bucket."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import aioboto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer
from PIL import Image

from api.app import create_app
from api.services import build_services
from tests.api.test_media_api import photo_with_gps, upload
from tests.conftest import (
    as_user,
    client_for,
    make_settings,
    seed_tenants,
    settle,
    sign_up_and_log_in,
)
from tests.factories import tenant_config

BUCKET = "city-media"
CDN = "https://cdn.leipzig.example"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
async def bucket(s3_endpoint: str) -> AsyncIterator:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="eu-central-1"
    )
    config = Config(s3={"addressing_style": "path"})
    async with session.client("s3", endpoint_url=s3_endpoint, config=config) as client:
        await client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        yield client


async def objects(bucket) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    listed = await bucket.list_objects_v2(Bucket=BUCKET)
    found = {}
    for item in listed.get("Contents", []):
        body = await bucket.get_object(Bucket=BUCKET, Key=item["Key"])
        found[item["Key"]] = await body["Body"].read()
    return found


async def test_uploads_variants_and_deletions_on_an_s3_store(
    migrated_database, clean_database, s3_endpoint, bucket
) -> None:
    settings = make_settings(
        migrated_database,
        media_storage="s3",
        s3_bucket=BUCKET,
        s3_endpoint_url=s3_endpoint,
        s3_region="eu-central-1",
        s3_access_key_id="test",
        s3_secret_access_key="test",
        s3_key_prefix="media",
        media_public_url=CDN,
    )
    services = build_services(settings)
    try:
        await seed_tenants(services, tenant_config("leipzig"))
        async for client in client_for(create_app(settings, services)):
            member = as_user(
                await sign_up_and_log_in(client, "leipzig", "s3@example.org"), "leipzig"
            )
            made = await upload(client, member, photo_with_gps((1200, 900)))
            assert made.status_code == 201, made.text
            media = made.json()
            assert media["url"].startswith(f"{CDN}/media/")
            await settle(services)

            stored = await objects(bucket)
            assert len(stored) == 7
            assert all(key.startswith("media/") for key in stored)
            for key, data in stored.items():
                assert not Image.open(io.BytesIO(data)).getexif(), key
            ready = (await client.get(f"/v1/media/{media['id']}", headers=member)).json()
            assert {v["url"].removeprefix(f"{CDN}/") for v in ready["variants"]} <= set(stored)

            gone = await client.delete(f"/v1/media/{media['id']}", headers=member)
            assert gone.status_code == 204
            await settle(services)
            assert await objects(bucket) == {}
            # The API serves no files of an S3 store itself.
            key = next(iter(stored)).removeprefix("media/")
            assert (await client.get(f"/media/{key}")).status_code == 404
    finally:
        await services.close()
