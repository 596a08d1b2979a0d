"""The bare baseline: raw Starlette + asyncpg doing the same work as the product per request.

Every route: tenants held in memory, refreshed when the registry generation moves (checked at
most once a second, the same SQL as the product), the Host resolved, the request counted
against the tenant's rate limit in Redis (the product's limiter, same script and key).
GET /v1/tenant: the public profile serialised, an ETag computed.
GET /v1/map?bbox=: the product's statement (the pins in the box with their category ids) in
a transaction that names the tenant, `open_now` by the same opening-hours code, GeoJSON out.
GET /v1/search?q=: the product's ranked text search in each of the tenant's languages (and its
typo fallback when nothing matched), snippets in the request's language by the same
highlighting code.
GET /v1/businesses: the product's list page: its statements (the page in German name order,
for a category first within the index window, else everywhere) in a transaction that names
the tenant, the open status once per schedule, the cursor encoded alike.
GET /v1/campaigns: the product's campaign list (`status=` given or the public statuses, newest
first by start, keyset cursor): its statement in a transaction that names the tenant, each
campaign's texts in the request's language with all translations, totals and days left, the
cursor encoded alike.
GET /v1/sync/changes: the partner change feed: the partner key checked (its row looked up by
the tenant and prefix, the secret's hash compared, `last_used_at` written at most once a
minute, the key's own rate limit counted in Redis), the page read from the outbox, the page's
campaigns and their tiers read (own and listed ones), each change with its campaign's current
document built by the product's `campaign_document` from the product's entities, the page
serialised with pydantic-core as the product does; the three reads in one read-only
transaction (the product opens one for each).
The map's and the lists' SQL is the product's own, compiled from its statements
(adapters/db/business_summaries.py, adapters/db/funding_reads.py) once, so the two cannot
drift apart; the change feed's statements are the product's too, captured from its adapters
(SqlChangeReads.changes, SqlFundingReads.campaigns_by_ids and tiers_of) run once against a
recording session, since they are built inside those methods; the transactions open as the
product's list transactions do (BEGIN READ ONLY and the tenant in one message).
Pure functions are shared on purpose (opening hours parsed once per distinct schedule and
evaluated once per request, stemming, snippets): the ratio measures the layers around the work
(framework, validation, ORM, use cases), not two implementations of it. Run by bench/run.py
with the same worker count as the product.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import math
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import redis.asyncio as redis
from pydantic_core import to_json
from sqlalchemy import Select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.db import business_summaries as statements
from adapters.db import funding_reads
from adapters.db.business_summaries import _ASYNCPG
from adapters.db.directory import hours_from_json
from adapters.db.funding import campaign_from_row, tier_from_row
from adapters.db.syndication import SqlChangeReads
from adapters.rate_limits import RedisRateLimiter
from adapters.search_text import highlight, language_for, languages_for, words
from api.languages import Language
from api.rest.schemas.funding import campaign_document
from domain.cursors import (
    FEED_POSITION_PATTERN,
    feed_cursor,
    integer_id_cursor,
    read_feed_cursor,
    read_integer_id_cursor,
    read_text_id_cursor,
    text_id_cursor,
)
from domain.directory.ports import BusinessFilter
from domain.errors import InvalidInput
from domain.funding.ports import CampaignSort
from domain.identity.authentication import split_api_key
from domain.identity.model import hash_secret
from domain.languages import LocalizedText, choose_language
from domain.syndication import feed
from domain.syndication.listings import PUBLIC as PUBLIC_STATUSES

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


def ranked_sql(languages: int) -> str:
    """The query ($2) in each of the tenant's languages ($4...), any of them matching."""
    either = " || ".join(f"to_tsquery(${i + 4}::regconfig, $2)" for i in range(languages))
    return f"""
SELECT e.kind, e.item_id, e.title, e.texts, ts_rank_cd(e.document, q.q) AS rank
FROM search_entries e, (SELECT {either} AS q) q
WHERE e.tenant_id = $1 AND e.visible AND e.document @@ q.q AND e.kind IN ('business')
ORDER BY rank DESC, e.title LIMIT $3
"""


TYPO_SQL = """
SELECT e.kind, e.item_id, e.title, e.texts, word_similarity($2, e.title) AS rank
FROM search_entries e
WHERE e.tenant_id = $1 AND e.visible AND e.kind IN ('business') AND $2 <% e.title
ORDER BY rank DESC, e.title LIMIT $3
"""
MAP_LIMIT = 1000


PLAIN = statements.Shape.of(BusinessFilter(), "postgresql")
IN_CATEGORY = statements.Shape.of(BusinessFilter(category_ids=(uuid.uuid4(),)), "postgresql")
PINS = statements.any_in_box(PLAIN)
PAGES = {
    (shape is IN_CATEGORY, after, window): statements.page(shape, after=after, window=window)
    for shape in (PLAIN, IN_CATEGORY)
    for after in (False, True)
    for window in ((False, True) if shape is IN_CATEGORY else (False,))
}


async def fetch(conn: asyncpg.Connection, statement: Select, values: dict) -> list:
    sql, names, own = statements.for_asyncpg(statement)
    return await conn.fetch(sql, *(values.get(n, own.get(n)) for n in names))


@asynccontextmanager
async def reading(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> AsyncIterator[asyncpg.Connection]:
    """The product's read transaction: opened with its tenant in one message, rolled back."""
    async with pool.acquire() as conn:
        await conn.execute(
            f"BEGIN READ ONLY; SELECT set_config('app.tenant_id', '{tenant_id}', true)"
        )
        yield conn
        await conn.execute("ROLLBACK")


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
    values = {
        "tenant_id": config["id"],
        "min_lat": min_lat,
        "max_lat": max_lat,
        "min_lon": min_lon,
        "max_lon": max_lon,
        "size": MAP_LIMIT + 1,
    }
    async with reading(request.app.state.pool, config["id"]) as conn:
        rows = await fetch(conn, PINS, values)
    zone, now = ZoneInfo(config["timezone"]), datetime.now(UTC)
    features, open_now = [], {}
    for r in rows[:MAP_LIMIT]:
        hours = hours_from_json(r["opening_hours"])
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
                    "category_ids": sorted(str(c) for c in r["category_ids"]),
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


async def list_businesses(request: Request) -> Response:
    config = await resolve(request)
    if config is None:
        return problem(404, "unknown-tenant")
    if "businesses" not in config.get("features", []):
        return problem(404, "feature-off")
    params = request.query_params
    try:
        asked = [uuid.UUID(c) for c in params.getlist("category")]
        limit = int(params.get("limit", 20))
        cursor = read_text_id_cursor(params["cursor"]) if "cursor" in params else (None, None)
    except (ValueError, InvalidInput):
        return problem(422, "validation-failed")
    if not 1 <= limit <= 100:
        return problem(422, "validation-failed")
    tenant_id, after = config["id"], cursor[1] is not None
    values = {
        "tenant_id": tenant_id,
        "asked": asked,
        "after_name": cursor[0],
        "after_id": cursor[1],
        "size": limit + 1,
        "window": statements.WINDOW_PAGES * (limit + 1),
    }
    async with reading(request.app.state.pool, tenant_id) as conn:
        rows = await fetch(conn, PAGES[(bool(asked), after, bool(asked))], values)
        if asked and len(rows) <= limit:
            rows = await fetch(conn, PAGES[(True, after, False)], values)
    zone, now = ZoneInfo(config["timezone"]), datetime.now(UTC)
    statuses: dict = {}
    items = []
    for r in rows[:limit]:
        hours = hours_from_json(r["opening_hours"])
        if id(hours) not in statuses:
            statuses[id(hours)] = hours.status_at(now, zone)
        status = statuses[id(hours)]
        items.append(
            {
                "id": str(r["id"]),
                "name": r["name"],
                "kind": r["kind"],
                "category_ids": sorted(str(c) for c in r["category_ids"]),
                "city": r["city"],
                "location": {"lat": r["lat"], "lon": r["lon"]} if r["lat"] is not None else None,
                "verified": r["verified_at"] is not None,
                "open_now": status.open_now,
                "next_opening": status.next_opening.isoformat().replace("+00:00", "Z")
                if status.next_opening
                else None,
                "delivers": r["delivers"],
                "offers_pickup": r["offers_pickup"],
            }
        )
    last = rows[limit - 1] if len(rows) > limit else None
    return as_json(
        {"items": items, "next_cursor": text_id_cursor(last["name"], last["id"]) if last else None}
    )


# The product's list statements (newest first, no filter but statuses), compiled once.
CAMPAIGN_PAGES = {
    (statuses, after): funding_reads.campaign_page(
        funding_reads.PageShape(CampaignSort.NEWEST, statuses, 0, False, False, False, after)
    )
    for statuses in range(1, 5)
    for after in (False, True)
}
CAMPAIGN_STATUSES = ("draft", "in_review", "live", "succeeded", "failed", "paid_out", "cancelled")
PUBLIC_CAMPAIGNS = ["live", "succeeded", "failed", "paid_out"]
CAMPAIGN_TEXTS = ("title", "summary", "description")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_text(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def campaign_item(
    r: asyncpg.Record, language: str, default: str, now: datetime, homes: dict
) -> dict:
    """`homes`: the home tenants of listed campaigns (mirrored from a child), by id."""
    shown, languages, translations = {}, {}, {}
    for name in CAMPAIGN_TEXTS:
        text = LocalizedText.of(dict(sorted(json.loads(r[name]).items())))
        picked = text.pick(language, default)
        shown[name] = picked.text
        if picked.text:
            languages[name] = picked.locale
        translations[name] = text.as_dict()
    currency, goal, ends = r["currency"], r["goal"], r["ends_at"]
    days_left = 0
    if r["status"] == "live" and now < ends:
        days_left = math.ceil((ends - now).total_seconds() / 86_400)
    return {
        "id": str(r["id"]),
        "status": r["status"],
        **shown,
        "image_ids": json.loads(r["image_ids"]),
        "images": None,
        "category_id": str(r["category_id"]) if r["category_id"] else None,
        "location": {"lat": r["lat"], "lon": r["lon"]} if r["lat"] is not None else None,
        "owner_id": str(r["owner_id"]) if r["owner_id"] else None,
        "owner_name": None,  # names are the detail's (the product's list asks for none)
        "business_id": str(r["business_id"]) if r["business_id"] else None,
        "business_name": None,
        "goal": {"amount": goal, "currency": currency},
        "minimum": {"amount": r["minimum"], "currency": currency}
        if r["minimum"] is not None
        else None,
        "funding_model": r["funding_model"],
        "starts_at": utc_text(r["starts_at"]),
        "ends_at": utc_text(ends),
        "totals": {
            "pledged": {"amount": r["pledged_amount"], "currency": currency},
            "backers": r["backer_count"],
            "percent": r["pledged_amount"] * 100 // goal,
            "days_left": days_left,
        },
        "reward_tiers": None,
        "created_at": utc_text(r["created_at"]),
        "updated_at": utc_text(r["updated_at"]),
        "languages": languages,
        "translations": translations,
        "home_tenant": homes.get(r["tenant_id"]),
        "origin": {
            "external_id": r["external_id"],
            "platform": r["origin"] or "",
            "pledge_url": r["origin_url"] or "",
        }
        if r["external_id"] is not None
        else None,
    }


async def list_campaigns(request: Request) -> Response:
    config = await resolve(request)
    if config is None:
        return problem(404, "unknown-tenant")
    if "campaigns" not in config.get("features", []):
        return problem(404, "feature-off")
    params = request.query_params
    try:
        statuses = params.getlist("status") or PUBLIC_CAMPAIGNS
        limit = int(params.get("limit", 20))
        after = read_integer_id_cursor(params["cursor"]) if "cursor" in params else None
    except (ValueError, InvalidInput):
        return problem(422, "validation-failed")
    if not 1 <= limit <= 100 or params.get("sort", "newest") != "newest":
        return problem(422, "validation-failed")
    if any(s not in CAMPAIGN_STATUSES for s in statuses):
        return problem(422, "validation-failed")
    statuses = [s for s in statuses if s in PUBLIC_CAMPAIGNS]  # anonymous: the public ones
    if not statuses:
        return as_json({"items": [], "next_cursor": None})
    tenant_id = config["id"]
    async with reading(request.app.state.pool, tenant_id) as conn:
        values = {"tenant_id": tenant_id, "size": limit + 1}
        values |= {f"status_{i}": status for i, status in enumerate(statuses)}
        if after is not None:
            values |= {
                "after_key": EPOCH + timedelta(microseconds=after[0]),
                "after_id": after[1],
            }
        rows = await fetch(conn, CAMPAIGN_PAGES[(len(statuses), after is not None)], values)
    locales = config["locales"]
    language = choose_language(params.get("lang"), request.headers.get("accept-language"), locales)
    now = datetime.now(UTC)
    by_id = {c["id"]: c for c in state["by_slug"].values()}
    homes = {
        r["tenant_id"]: home_document(by_id[r["tenant_id"]])
        for r in rows[:limit]
        if r["tenant_id"] != tenant_id and r["tenant_id"] in by_id
    }
    items = [campaign_item(r, language, locales[0], now, homes) for r in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    cursor = None
    if last is not None:
        cursor = integer_id_cursor(
            (last["starts_at"] - EPOCH) // timedelta(microseconds=1), last["id"]
        )
    return as_json({"items": items, "next_cursor": cursor})


# The change feed's statements, captured from the product's adapters. Each is run once with
# stand-in values against a recording session, compiled for asyncpg (IN lists expanded), and
# its parameters mapped back from the stand-ins to what a request gives.
_TENANT, _XACT, _ROW, _SIZE = uuid.UUID(int=0xBE7C4), 7_770_001, 7_770_002, 7_770_003


def _stand_in_id(i: int) -> uuid.UUID:
    return uuid.UUID(int=0xBE7C4_0000_0000 + i)


class _Recording:
    """Enough of an AsyncSession (and of its sessionmaker) for the adapters to build and
    'execute' their statements: each is kept, none runs."""

    kw = {"bind": None}

    class bind:  # the session's attribute
        class dialect:
            name = "postgresql"

    def __init__(self) -> None:
        self.executed: list[tuple[object, dict | None]] = []

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[_Recording]:
        yield self

    async def begin(self) -> None:
        return None

    async def execute(self, statement: object, params: dict | None = None) -> object:
        self.executed.append((statement, params))
        return self

    def all(self) -> list:
        return []


@dataclasses.dataclass(frozen=True)
class Captured:
    sql: str
    values: tuple[tuple[str, object], ...]  # per parameter: ("const", value) or a role

    def arguments(self, given: dict) -> list:
        return [value if role == "const" else given[role] for role, value in self.values]


def capture(run: Callable[[_Recording], Coroutine], ids: int = 0) -> Captured:
    """The last statement `run` executes, with its stand-in values named."""
    recording = _Recording()
    with contextlib.suppress(StopIteration):
        run(recording).send(None)  # nothing in it waits for anything
    statement, params = recording.executed[-1]
    expanded = statement.compile(dialect=_ASYNCPG).construct_expanded_state(params or {})
    roles = {_TENANT: "tenant", _XACT: "after_xact", _ROW: "after_id", _SIZE: "size"}
    roles |= {_stand_in_id(i): ("id", i) for i in range(ids)}
    values = []
    for name in expanded.positiontup:
        value = expanded.parameters[name]
        role = roles.get(value, "const") if isinstance(value, uuid.UUID | int) else "const"
        values.append((role, value))
    return Captured(expanded.statement, tuple(values))


CHANGES = {
    after: capture(
        lambda r, after=after: SqlChangeReads(r, _TENANT).changes(
            list(feed.SYNDICATED), (_XACT, _ROW) if after else None, limit=_SIZE
        )
    )
    for after in (False, True)
}
_BY_IDS: dict[tuple[str, int], Captured] = {}


def by_ids(kind: str, count: int) -> Captured:
    """campaigns_by_ids or tiers_of for `count` campaigns (an IN list of that length)."""
    if (kind, count) not in _BY_IDS:
        reads = funding_reads.SqlFundingReads
        ids = [_stand_in_id(i) for i in range(count)]
        _BY_IDS[kind, count] = capture(lambda r: getattr(reads(r, _TENANT), kind)(ids), ids=count)
    return _BY_IDS[kind, count]


async def run_captured(conn: asyncpg.Connection, captured: Captured, given: dict) -> list:
    return await conn.fetch(captured.sql, *captured.arguments(given))


class _Row:
    """An asyncpg record read by attribute, its JSONB columns decoded (the product's pool
    decodes them in the driver: SQLAlchemy's asyncpg dialect sets a codec)."""

    __slots__ = ("_json", "_record")

    def __init__(self, record: asyncpg.Record, json_columns: frozenset[str]) -> None:
        self._record = record
        self._json = json_columns

    def __getattr__(self, name: str) -> object:
        value = self._record[name]
        return json.loads(value) if name in self._json and value is not None else value


CAMPAIGN_JSON = frozenset({"title", "summary", "description", "image_ids"})
TIER_JSON = frozenset({"title", "description"})
KEY_SQL = (
    "SELECT id, secret_hash, scopes, revoked_at, last_used_at FROM api_keys "
    "WHERE tenant_id = $1 AND prefix = $2"
)
LAST_USED = timedelta(minutes=1)
FEED_POSITION = re.compile(FEED_POSITION_PATTERN)


async def partner_key(request: Request, config: dict) -> dict | None:
    """The product's check of a partner key: by tenant and prefix, the hash compared,
    last_used_at written at most once a minute, the key's rate limit counted."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    prefix = split_api_key(secret) if scheme.lower() == "bearer" else None
    if prefix is None:
        return None
    now = datetime.now(UTC)
    async with request.app.state.pool.acquire() as conn:
        await conn.execute(f"BEGIN; SELECT set_config('app.tenant_id', '{config['id']}', true)")
        key = await conn.fetchrow(KEY_SQL, config["id"], prefix)
        if (
            key is None
            or key["revoked_at"] is not None
            or not hmac.compare_digest(key["secret_hash"], hash_secret(secret))
        ):
            await conn.execute("ROLLBACK")
            return None
        if key["last_used_at"] is None or now - key["last_used_at"] >= LAST_USED:
            await conn.execute(
                "UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2",
                config["id"],
                key["id"],
                now,
            )
            await conn.execute("COMMIT")
        else:
            await conn.execute("ROLLBACK")
    limit = config.get("rate_limits", {}).get("partner_key_requests_per_minute", 600)
    await request.app.state.limiter.hit(f"key:{key['id']}", limit=limit, window=60)
    return {"id": key["id"], "scopes": json.loads(key["scopes"])}


def home_document(config: dict) -> dict:
    """api/rest/schemas/funding.home_tenant_document, from the tenant's stored config."""
    branding = config["branding"]
    return {
        "slug": config["slug"],
        "name": config["name"],
        "hostname": config["hostnames"][0] if config.get("hostnames") else None,
        "app_name": branding["app_name"],
        "logo_url": branding.get("logo_url"),
        "primary_color": branding["colors"]["primary"],
    }


async def changes(request: Request) -> Response:
    config = await resolve(request)
    if config is None:
        return problem(404, "unknown-tenant")
    key = await partner_key(request, config)
    if key is None:
        return problem(401, "unauthenticated")
    if "sync:read" not in key["scopes"]:
        return problem(403, "scope-required")
    params = request.query_params
    try:
        after = params.get("after")
        limit = int(params.get("limit", 100))
        if after is not None and (len(after) > 40 or not FEED_POSITION.match(after)):
            raise ValueError
        position = read_feed_cursor(after) if after else None
    except (ValueError, InvalidInput):
        return problem(422, "validation-failed")
    if not 1 <= limit <= feed.MAX_PAGE:
        return problem(422, "validation-failed")
    tenant_id = config["id"]
    given = {"tenant": tenant_id, "size": limit + 1}
    if position is not None:
        given |= {"after_xact": position[0], "after_id": position[1]}
    async with reading(request.app.state.pool, tenant_id) as conn:
        rows = await run_captured(conn, CHANGES[position is not None], given)
        entries = []
        for r in rows[:limit]:
            kind = feed.SYNDICATED[r["event_type"]]
            payload = json.loads(r["payload"])
            entries.append(
                (
                    feed_cursor(r["xact"], r["id"]),
                    kind.kind,
                    uuid.UUID(str(payload[kind.id_field])),
                    r["occurred_at"],
                )
            )
        wanted = sorted({e[2] for e in entries if e[1] == "campaign"})
        public, tiers = [], {}
        if wanted and "campaigns" in config.get("features", []):
            found = await run_captured(
                conn,
                by_ids("campaigns_by_ids", len(wanted)),
                given | {("id", i): c for i, c in enumerate(wanted)},
            )
            shown = {c.id: c for c in (campaign_from_row(_Row(r, CAMPAIGN_JSON)) for r in found)}
            public = [c for c in shown.values() if c.status in PUBLIC_STATUSES]
            tiers = {c.id: [] for c in public}
            if public:
                for r in await run_captured(
                    conn,
                    by_ids("tiers_of", len(tiers)),
                    given | {("id", i): c for i, c in enumerate(tiers)},
                ):
                    tiers[r["campaign_id"]].append(tier_from_row(_Row(r, TIER_JSON)))
    by_id = {c["id"]: c for c in state["by_slug"].values()}
    homes = {
        c.tenant_id: home_document(by_id[c.tenant_id])
        for c in public
        if c.tenant_id != tenant_id and c.tenant_id in by_id
    }
    locales = config["locales"]
    chosen = choose_language(params.get("lang"), request.headers.get("accept-language"), locales)
    language = Language(chosen=chosen, default=locales[0], locales=tuple(locales), writing=chosen)
    now = datetime.now(UTC)
    documents = {
        c.id: campaign_document(c, language, now, tiers=tiers[c.id], homes=homes) for c in public
    }
    items = []
    for cursor, kind, item_id, occurred_at in entries:
        data = documents.get(item_id) if kind == "campaign" else None
        items.append(
            {
                "cursor": cursor,
                "kind": kind,
                "id": item_id,
                "action": "upsert" if data is not None else "delete",
                "occurred_at": occurred_at,
                "data": data,
            }
        )
    next_cursor = entries[-1][0] if entries else after
    body = {"items": items, "next_cursor": next_cursor, "has_more": len(rows) > limit}
    return Response(
        to_json(body),
        media_type="application/json",
        headers={"Cache-Control": "no-store", "Content-Language": chosen},
    )


async def search(request: Request) -> Response:
    config = await resolve(request)
    if config is None:
        return problem(404, "unknown-tenant")
    query = request.query_params.get("q", "")
    raw = words(query)[:12]
    if not raw or len(query) > 200:
        return problem(422, "invalid-input")
    locales = config["locales"]
    language = choose_language(
        request.query_params.get("lang"), request.headers.get("accept-language"), locales
    )
    languages = languages_for(locales)
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(config["id"]))
        tsquery = " & ".join([*raw[:-1], raw[-1] + ":*"])
        rows = await conn.fetch(ranked_sql(len(languages)), config["id"], tsquery, 20, *languages)
        if not rows:
            await conn.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', true)"
            )
            rows = await conn.fetch(TYPO_SQL, config["id"], " ".join(raw), 20)
    items = []
    for r in rows:
        picked = LocalizedText.of(json.loads(r["texts"])).pick(language, locales[0])
        items.append(
            {
                "type": r["kind"],
                "id": str(r["item_id"]),
                "title": r["title"],
                "snippet": highlight(picked.text or r["title"], query, language_for(picked.locale)),
                "rank": round(float(r["rank"]), 6),
                "language": picked.locale,
            }
        )
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
        Route("/v1/businesses", list_businesses),
        Route("/v1/campaigns", list_campaigns),
        Route("/v1/sync/changes", changes),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
