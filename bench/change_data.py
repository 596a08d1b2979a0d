"""Generated data for the change feed benchmark (`GET /v1/sync/changes`), on top of the
campaign list's (campaign_data.py: 20 tenants x 5,000 campaigns): reward tiers, listings of
campaigns of another tenant, the outbox rows the product writes for them, and a partner key
with `sync:read` per tenant. Copied in with COPY as the tables' owner, since no importer of
campaigns exists.

The outbox rows are what the product's use cases write (adapters/db/outbox.py): a
`funding.campaign_created` per campaign, `funding.campaign_changed` for edits before the
start, a `funding.pledge_made` per pledge (a few per campaign with backers; the totals are
not replayed pledge by pledge), each with its payload, `occurred_at`, and the campaign as its
subject. In time order across tenants, so ids grow with time. `xact` (the writing
transaction, `pg_current_xact_id()` in the product) must lie below the server's snapshot
xmin, or the feed would hold the rows back as not yet committed; a young cluster has handed
out only some thousands of transaction ids, so the rows share them in order (a few rows per
transaction and tenant), from 1 up to just below the xmin at loading.

The partner keys are stored as adapters/db/identity.py stores them (sha256 of the secret,
`sk_<prefix>_<secret>`), their secrets derived from the tenant's slug, so the harness knows
them again with --reuse."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import campaign_data

LISTED_PER_TENANT = 100  # live campaigns of the next tenant listed in each tenant
MAX_PLEDGE_EVENTS = 4  # pledge_made rows per campaign with backers: 0..this
SCOPES = ["sync:read"]
OUTBOX_COLUMNS = (
    "event_id", "tenant_id", "event_type", "payload", "occurred_at", "xact", "subject_id",
)  # fmt: skip
TIER_COLUMNS = (
    "tenant_id", "id", "campaign_id", "title", "description", "currency", "minimum", "kind",
    "quantity", "claimed", "estimated_delivery",
)  # fmt: skip
LISTING_COLUMNS = (
    "tenant_id", "campaign_id", "home_tenant_id", "status", "created_at", "updated_at",
)  # fmt: skip
TIERS = [
    ({"de": "Dankeschön", "en": "Thank you"}, {"de": "Dein Name auf der Tafel.", "en":
     "Your name on the board."}, 1_000, "thanks", None),
    ({"de": "Gutschein", "en": "Voucher"}, {"de": "Ein Gutschein aus dem Viertel.", "en":
     "A voucher from the quarter."}, 2_500, "voucher", 200),
    ({"de": "Einladung", "en": "Invitation"}, {"de": "Zur Eröffnung eingeladen.", "en":
     "Invited to the opening."}, 5_000, "experience", 50),
]  # fmt: skip


def key_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://bench.example/keys/{slug}")


def key_secret(slug: str) -> str:
    """The partner key's secret, as create_api_key gives it out once: sk_<prefix>_<secret>."""
    prefix = key_id(slug).hex[:12]
    return f"sk_{prefix}_" + hashlib.sha256(f"bench-secret-{slug}".encode()).hexdigest()[:43]


def _tiers(tenant_id: uuid.UUID, campaign_id: uuid.UUID, rng: random.Random) -> list[tuple]:
    records = []
    for title, description, minimum, kind, quantity in TIERS[: rng.randint(0, len(TIERS))]:
        records.append(
            (
                tenant_id,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                campaign_id,
                json.dumps(title),
                json.dumps(description),
                "EUR",
                minimum,
                kind,
                quantity,
                0,
                date(2027, rng.randint(1, 12), 1) if kind != "thanks" else None,
            )
        )
    return records


def _events(
    tenant_id: uuid.UUID, campaign: asyncpg.Record, now: datetime, rng: random.Random
) -> list[tuple]:
    """(occurred_at, tenant, type, payload, subject) of one campaign's life."""
    cid, created = campaign["id"], campaign["created_at"]
    about = {"campaign_id": str(cid)}
    events = [(created, tenant_id, "funding.campaign_created", about, cid)]
    starts = campaign["starts_at"]
    for _ in range(rng.randint(0, 2)):  # edits before the start
        at = created + (starts - created) * rng.random()
        events.append((at, tenant_id, "funding.campaign_changed", about, cid))
    if campaign["backer_count"]:
        latest = min(campaign["ends_at"], now)
        for _ in range(rng.randint(0, MAX_PLEDGE_EVENTS)):
            at = starts + (latest - starts) * rng.random()
            pledge = {"pledge_id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
            events.append((at, tenant_id, "funding.pledge_made", pledge | about, cid))
    return events


async def load(dsn: str) -> dict[str, int]:
    """Tiers, listings, outbox rows and keys for the campaign tenants; returns counts."""
    conn = await asyncpg.connect(dsn)
    try:
        tenants = await conn.fetch(
            "SELECT id, slug FROM tenants WHERE slug LIKE $1 ORDER BY slug",
            campaign_data.SLUG_PREFIX + "%",
        )
        now = datetime.now(UTC)
        tiers: list[tuple] = []
        events: list[tuple] = []
        listings: list[tuple] = []
        live_of: dict[uuid.UUID, list[uuid.UUID]] = {}
        for seed, tenant in enumerate(tenants):
            rng = random.Random(1_000 + seed)
            campaigns = await conn.fetch(
                "SELECT id, status, created_at, starts_at, ends_at, backer_count FROM campaigns "
                "WHERE tenant_id = $1 ORDER BY id",
                tenant["id"],
            )
            for campaign in campaigns:
                tiers += _tiers(tenant["id"], campaign["id"], rng)
                events += _events(tenant["id"], campaign, now, rng)
            live_of[tenant["id"]] = [c["id"] for c in campaigns if c["status"] == "live"]
        for i, tenant in enumerate(tenants):  # each tenant lists some of the next one's
            home = tenants[(i + 1) % len(tenants)]["id"]
            for campaign_id in live_of[home][:LISTED_PER_TENANT]:
                at = now - timedelta(days=10)
                listings.append((tenant["id"], campaign_id, home, "listed", at, at))
        events.sort(key=lambda e: e[0])
        # Below every snapshot's xmin now, and so for good.
        horizon = await conn.fetchval(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
        )
        span = max(horizon - 2, 1)
        records = [
            (
                uuid.UUID(int=random.getrandbits(128), version=4),
                tenant_id,
                event_type,
                json.dumps(payload),
                at,
                1 + i * span // len(events),
                subject,
            )
            for i, (at, tenant_id, event_type, payload, subject) in enumerate(events)
        ]
        await conn.copy_records_to_table("reward_tiers", records=tiers, columns=TIER_COLUMNS)
        await conn.copy_records_to_table(
            "campaign_listings", records=listings, columns=LISTING_COLUMNS
        )
        await conn.copy_records_to_table("outbox", records=records, columns=OUTBOX_COLUMNS)
        await conn.executemany(
            "INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, scopes, created_at) "
            "VALUES ($1, $2, 'bench partner', $3, $4, $5::jsonb, $6)",
            [
                (
                    t["id"],
                    key_id(t["slug"]),
                    key_id(t["slug"]).hex[:12],
                    hashlib.sha256(key_secret(t["slug"]).encode()).hexdigest(),
                    json.dumps(SCOPES),
                    now,
                )
                for t in tenants
            ],
        )
        await conn.execute("ANALYZE reward_tiers, campaign_listings, outbox, api_keys")
        return {"tiers": len(tiers), "listings": len(listings), "outbox": len(records)}
    finally:
        await conn.close()


def load_changes(dsn: str) -> dict[str, int]:
    return asyncio.run(load(dsn))


async def _middle(dsn: str, per_tenant: int) -> list[tuple[str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            """
            SELECT t.slug, o.xact, o.id FROM tenants t
            CROSS JOIN LATERAL (
              SELECT count(*) AS n FROM outbox WHERE tenant_id = t.id) c
            CROSS JOIN LATERAL generate_series(1, $2) k
            CROSS JOIN LATERAL (
              SELECT xact, id FROM outbox WHERE tenant_id = t.id ORDER BY xact, id
              OFFSET (c.n * (30 + 40 * (k - 1) / greatest($2 - 1, 1)) / 100) LIMIT 1) o
            WHERE t.slug LIKE $1 ORDER BY k, t.slug
            """,
            campaign_data.SLUG_PREFIX + "%",
            per_tenant,
        )
        return [(r["slug"], f"{r['xact']}.{r['id']}") for r in rows]
    finally:
        await conn.close()


def middle_positions(dsn: str, per_tenant: int) -> list[tuple[str, str]]:
    """(slug, position) in the middle of each tenant's feed (30 % to 70 % into its own
    rows), `per_tenant` each: where the harness starts asking the product for pages."""
    return asyncio.run(_middle(dsn, per_tenant))


async def _loaded(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM api_keys WHERE name = 'bench partner'")
    finally:
        await conn.close()


def keys_loaded(dsn: str) -> int:
    try:
        return asyncio.run(_loaded(dsn))
    except (OSError, asyncpg.PostgresError):
        return 0
