"""Health, readiness, offline docs, and structured logs without personal data."""

import json
import logging
import re

from api.app import create_app
from api.logs import JsonFormatter
from tests.conftest import client_for, make_settings, seed_tenants
from tests.factories import tenant_config


async def test_healthz_answers_without_a_tenant(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


async def test_readyz_is_200_when_database_and_redis_answer(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_is_503_naming_what_is_unreachable(settings):
    app = create_app(make_settings(settings.database_url, redis_url="redis://127.0.0.1:1/0"))
    async for client in client_for(app):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "ok", "redis": "unreachable"}


async def test_readyz_is_503_when_the_database_is_unreachable(settings):
    broken = (
        "postgresql+asyncpg://postgres@127.0.0.1:1/none"
        if settings.database_url.startswith("postgresql")
        else "sqlite+aiosqlite:////nonexistent-dir/x/stadtkern.db"
    )
    app = create_app(make_settings(broken))
    async for client in client_for(app):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"] == "unreachable"


async def test_docs_pages_load_nothing_from_third_party_hosts(client):
    for page in ("/docs", "/redoc"):
        response = await client.get(page)
        assert response.status_code == 200
        urls = re.findall(r"(?:src|href)=[\"']([^\"']+)", response.text)
        urls += re.findall(r"url: *'([^']+)'", response.text)
        assert urls, page
        assert all(u.startswith("/") for u in urls), urls
        assert "default-src 'self'" in response.headers["content-security-policy"]
        for asset in (u for u in urls if u.startswith("/docs/assets/")):
            assert (await client.get(asset)).status_code == 200, asset


async def test_openapi_document_is_served(client):
    document = (await client.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert "/v1/tenant" in document["paths"]


async def test_access_log_is_json_with_request_id_and_tenant_and_no_personal_data(
    services, client, caplog
):
    await seed_tenants(services, tenant_config("leipzig"))
    formatter = JsonFormatter()
    with caplog.at_level(logging.INFO, logger="stadtkern.access"):
        response = await client.get(
            "/v1/tenant?email=someone@example.org",
            headers={
                "X-Tenant": "leipzig",
                "X-Request-ID": "req-12345678",
                "User-Agent": "Secret-Agent/1.0",
                "X-Forwarded-For": "203.0.113.9",
            },
        )
    assert response.headers["x-request-id"] == "req-12345678"
    lines = [
        json.loads(formatter.format(r)) for r in caplog.records if r.name == "stadtkern.access"
    ]
    line = lines[-1]
    assert line["request_id"] == "req-12345678" and line["tenant"] == "leipzig"
    assert line["status"] == 200 and line["path"] == "/v1/tenant"
    text = json.dumps(line)
    for personal in ("someone@example.org", "Secret-Agent", "203.0.113.9", "127.0.0.1"):
        assert personal not in text


async def test_a_malformed_request_id_is_replaced(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith\nstuff"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
