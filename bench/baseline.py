"""The bare baseline: raw Starlette + asyncpg doing the same work as the product per request.

Every route: tenants held in memory, refreshed when the registry generation moves (checked at
most once a second, the same SQL as the product), the Host resolved, the request counted
against the tenant's rate limit in Redis (the product's limiter, same script and key).
GET /v1/tenant: the public profile serialised, an ETag computed.
GET /v1/map?bbox=: the product's two queries (pins in the box, their categories) in one
transaction that names the tenant, `open_now` by the same opening-hours code, GeoJSON out.
GET /v1/search?q=: the product's ranked text search (and its typo fallback when nothing
matched), snippets by the same highlighting code.
Pure functions are shared on purpose (opening hours parsed once per distinct schedule and
evaluated once per request, stemming, snippets): the ratio measures the layers around the work
(framework, validation, ORM, use cases), not two implementations of it. Run by bench/run.py
with the same worker count as the product.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
import redis.asyncio as redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.db.directory import hours_from_json
from adapters.rate_limits import RedisRateLimiter
from adapters.search_text import highlight, language_for, stems, words

DSN = os.environ.get("BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/stadtkern_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BASE_DOMAIN = os.environ.get("BENCH_BASE_DOMAIN", "bench.example")
PUBLIC = ("slug", "name", "hostnames", "parent", "locales", "timezone", "currency", "features")

state: dict = {"generation": None, "checked": 0.0, "by_slug": {}, "by_host": {}}


async def refresh(pool: asyncpg.Pool) -> None:
    if time.monotonic() - state["checked"] < 1.0:
        return
    async with pool.acquire() as conn:
        generation = await conn.fetchval("SELECT generation FROM tenant_registry WHERE id = 1")
        if generation != state["generation"]:
            rows = await conn.fetch("SELECT id, slug, config FROM tenants ORDER BY slug")
            configs = [json.loads(r["config"]) | {"id": r["id"]} for r in rows]
            state["by_slug"] = {c["slug"]: c for c in configs}
            state["by_host"] = {h: c for c in configs for h in c.get("hostnames", [])}
            state["generation"] = generation
    state["checked"] = time.monotonic()


async def resolve(request: Request) -> dict | None:
    await refresh(request.app.state.pool)
    host = request.headers.get("host", "").split(":")[0].lower()
    config = state["by_host"].get(host)
    if config is None and host.endswith("." + BASE_DOMAIN):
        config = state["by_slug"].get(host[: -len(BASE_DOMAIN) - 1])
    if config is not None:
        limit = config.get("rate_limits", {}).get("requests_per_minute", 60_000)
        await request.app.state.limiter.hit(f"tenant:{config['id']}", limit=limit, window=60)
    return config


def problem(status: int, code: str) -> Response:
    body = json.dumps({"code": code}).encode()
    return Response(body, status, media_type="application/problem+json")


def as_json(document: object) -> Response:
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(body, media_type="application/json")


async def tenant(request: Request) -> Response:
    config = await resolve(request)
    if config is None:
        return problem(404, "unknown-tenant")
    profile = {key: config.get(key) for key in PUBLIC}
    profile["default_locale"] = config["locales"][0]
    profile["branding"] = config["branding"]
    body = json.dumps(profile, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60", "Vary": "Host, X-Tenant"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


PINS_SQL = """
SELECT id, name, kind, lat, lon, verified_at, opening_hours::text AS hours FROM businesses
WHERE tenant_id = $1 AND hidden_at IS NULL
  AND lat BETWEEN $2 AND $3 AND lon BETWEEN $4 AND $5
LIMIT $6
"""
CATEGORIES_SQL = """
SELECT business_id, category_id FROM business_categories
WHERE tenant_id = $1 AND business_id = ANY($2::uuid[])
"""
RANKED_SQL = """
SELECT e.kind, e.item_id, e.title, e.body, ts_rank_cd(e.document, q) AS rank
FROM search_entries e, to_tsquery($2::regconfig, $3) q
WHERE e.tenant_id = $1 AND e.visible AND e.document @@ q AND e.kind IN ('business')
ORDER BY rank DESC, e.title LIMIT $4
"""
TYPO_SQL = """
SELECT e.kind, e.item_id, e.title, e.body, word_similarity($2, e.title) AS rank
FROM search_entries e
WHERE e.tenant_id = $1 AND e.visible AND e.kind IN ('business') AND $2 <% e.title
ORDER BY rank DESC, e.title LIMIT $3
"""
MAP_LIMIT = 1000


async def map_pins(request: Request) -> Response:
    config = await resolve(request)
    if config is None:
        return problem(404, "unknown-tenant")
    try:
        min_lon, min_lat, max_lon, max_lat = (
            float(v) for v in request.query_params["bbox"].split(",")
        )
    except (KeyError, ValueError):
        return problem(422, "invalid-input")
    if max_lon - min_lon > 2 or max_lat - min_lat > 2 or min_lon > max_lon or min_lat > max_lat:
        return problem(422, "invalid-input")
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(config["id"]))
        rows = await conn.fetch(
            PINS_SQL, config["id"], min_lat, max_lat, min_lon, max_lon, MAP_LIMIT + 1
        )
        categories: dict = {r["id"]: [] for r in rows}
        for link in await conn.fetch(CATEGORIES_SQL, config["id"], list(categories)):
            categories[link["business_id"]].append(str(link["category_id"]))
    zone, now = ZoneInfo(config["timezone"]), datetime.now(UTC)
    features, open_now = [], {}
    for r in rows[:MAP_LIMIT]:
        hours = hours_from_json(r["hours"])
        if id(hours) not in open_now:
            open_now[id(hours)] = None if hours.is_empty else hours.status_at(now, zone).open_now
        features.append(
            {
                "type": "Feature",
                "id": f"business:{r['id']}",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {
                    "type": "business",
                    "name": r["name"],
                    "kind": r["kind"],
                    "category_ids": sorted(categories[r["id"]]),
                    "verified": r["verified_at"] is not None,
                    "open_now": open_now[id(hours)],
                },
            }
        )
    return as_json(
        {
            "type": "FeatureCollection",
            "bbox": [min_lon, min_lat, max_lon, max_lat],
            "features": features,
            "truncated": len(rows) > MAP_LIMIT,
        }
    )


async def search(request: Request) -> Response:
    config = await resolve(request)
    if config is None:
        return problem(404, "unknown-tenant")
    query = request.query_params.get("q", "")
    raw = words(query)[:12]
    if not raw or len(query) > 200:
        return problem(422, "invalid-input")
    language = language_for(config["locales"][0])
    stems(query, language)  # the product stems the query once more for its own use
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(config["id"]))
        tsquery = " & ".join([*raw[:-1], raw[-1] + ":*"])
        rows = await conn.fetch(RANKED_SQL, config["id"], language, tsquery, 20)
        if not rows:
            await conn.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', true)"
            )
            rows = await conn.fetch(TYPO_SQL, config["id"], " ".join(raw), 20)
    items = [
        {
            "type": r["kind"],
            "id": str(r["item_id"]),
            "title": r["title"],
            "snippet": highlight(r["body"] or r["title"], query, language),
            "rank": round(float(r["rank"]), 6),
        }
        for r in rows
    ]
    return as_json({"query": query, "items": items})


async def healthz(_request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
    app.state.pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)
    client = redis.Redis.from_url(REDIS_URL)
    app.state.limiter = RedisRateLimiter(client, prefix="bench:baseline:rl:")
    yield
    await app.state.pool.close()
    await client.aclose()


app = Starlette(
    routes=[
        Route("/v1/tenant", tenant),
        Route("/v1/map", map_pins),
        Route("/v1/search", search),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
