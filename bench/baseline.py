"""The bare baseline: raw Starlette + asyncpg doing the same work as the product per request.

GET /v1/tenant: tenants held in memory, refreshed when the registry generation moves (checked
at most once a second, the same SQL as the product), the Host resolved, the public profile
serialised, an ETag computed. Run by bench/run.py with the same worker count as the product.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DSN = os.environ.get("BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/stadtkern_bench")
BASE_DOMAIN = os.environ.get("BENCH_BASE_DOMAIN", "bench.example")
PUBLIC = ("slug", "name", "hostnames", "parent", "locales", "timezone", "currency", "features")

state: dict = {"generation": None, "checked": 0.0, "by_slug": {}, "by_host": {}}


async def refresh(pool: asyncpg.Pool) -> None:
    if time.monotonic() - state["checked"] < 1.0:
        return
    async with pool.acquire() as conn:
        generation = await conn.fetchval("SELECT generation FROM tenant_registry WHERE id = 1")
        if generation != state["generation"]:
            rows = await conn.fetch("SELECT slug, config FROM tenants ORDER BY slug")
            configs = [json.loads(r["config"]) for r in rows]
            state["by_slug"] = {c["slug"]: c for c in configs}
            state["by_host"] = {h: c for c in configs for h in c.get("hostnames", [])}
            state["generation"] = generation
    state["checked"] = time.monotonic()


async def tenant(request: Request) -> Response:
    await refresh(request.app.state.pool)
    host = request.headers.get("host", "").split(":")[0].lower()
    config = state["by_host"].get(host)
    if config is None and host.endswith("." + BASE_DOMAIN):
        config = state["by_slug"].get(host[: -len(BASE_DOMAIN) - 1])
    if config is None:
        return Response(b'{"code":"unknown-tenant"}', 404, media_type="application/problem+json")
    profile = {key: config.get(key) for key in PUBLIC}
    profile["default_locale"] = config["locales"][0]
    profile["branding"] = config["branding"]
    body = json.dumps(profile, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60", "Vary": "Host, X-Tenant"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def healthz(_request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
    app.state.pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)
    yield
    await app.state.pool.close()


app = Starlette(routes=[Route("/v1/tenant", tenant), Route("/healthz", healthz)], lifespan=lifespan)
