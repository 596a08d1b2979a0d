"""Generated funding data for the campaign list benchmark: 20 tenants (tenant files) and
100,000 campaigns spread over them, with German and English texts, realistic statuses and
totals; loaded straight into PostgreSQL with COPY (asyncpg, as the tables' owner), since no
importer of campaigns exists and creating them one by one through the use cases would take
longer than the benchmark. Deterministic per seed but for the times, which are relative to
the hour of loading (live campaigns run then)."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

TENANTS, CAMPAIGNS_PER_TENANT = 20, 5_000
SLUG_PREFIX = "camp-"
# Of a tenant's campaigns: most are live; the rest ended, wait, or never got anywhere.
STATUSES = [
    ("live", 0.70),
    ("succeeded", 0.12),
    ("failed", 0.07),
    ("paid_out", 0.03),
    ("draft", 0.05),
    ("in_review", 0.02),
    ("cancelled", 0.01),
]
# (German, English) projects and places: titles such as "Neue Bänke für den Stadtpark".
PROJECTS = [
    ("Neue Bänke für", "New benches for"),
    ("Ein Lastenrad für", "A cargo bike for"),
    ("Obstbäume pflanzen in", "Planting fruit trees in"),
    ("Ein Bücherschrank für", "A book exchange for"),
    ("Sommerkino in", "Summer cinema in"),
    ("Solardach für", "A solar roof for"),
    ("Spielplatz erneuern in", "Renewing the playground in"),
    ("Repair-Café für", "A repair café for"),
    ("Konzertreihe in", "A concert series in"),
    ("Gemeinschaftsgarten für", "A community garden for"),
    ("Trinkbrunnen für", "A drinking fountain for"),
    ("Wandbild in", "A mural in"),
]
PLACES = [
    "den Stadtpark", "die Südvorstadt", "Plagwitz", "die Altstadt", "Connewitz", "Lindenau",
    "den Marktplatz", "Gohlis", "die Nordstadt", "Reudnitz", "den Hafen", "Schleußig",
]  # fmt: skip
PLACES_EN = [
    "the city park", "the south quarter", "Plagwitz", "the old town", "Connewitz", "Lindenau",
    "the market square", "Gohlis", "the north quarter", "Reudnitz", "the harbour", "Schleußig",
]  # fmt: skip
SENTENCES = [
    (
        "Wir sind eine Gruppe aus Nachbarinnen und Nachbarn, die sich seit Jahren um den Ort "
        "kümmert.",
        "We are a group of neighbours who have looked after the place for years.",
    ),
    (
        "Mit eurer Hilfe kaufen wir das Material und bauen alles gemeinsam an drei Wochenenden.",
        "With your help we buy the materials and build everything together over three weekends.",
    ),
    (
        "Jeder Euro fließt in das Projekt; über den Fortschritt berichten wir hier regelmäßig.",
        "Every euro goes into the project; we report on our progress here regularly.",
    ),
    (
        "Die Stadt hat die Fläche freigegeben, die Genehmigung liegt vor.",
        "The city has released the site, and the permit is in place.",
    ),
    (
        "Wenn wir mehr als das Ziel erreichen, legen wir das Geld für die Pflege zurück.",
        "If we raise more than the goal, we set the money aside for upkeep.",
    ),
    (
        "Als Dankeschön gibt es Gutscheine der Läden aus dem Viertel und ein Fest zur Eröffnung.",
        "As a thank-you there are vouchers from the shops in the quarter and an opening party.",
    ),
    (
        "Unterstützt werden wir vom Stadtteilverein und der Schule um die Ecke.",
        "We are supported by the neighbourhood association and the school around the corner.",
    ),
    (
        "Alle Pläne und Kosten legen wir offen, Fragen beantworten wir gern.",
        "We publish all plans and costs, and we are glad to answer questions.",
    ),
]
COLUMNS = (
    "tenant_id", "id", "owner_id", "partner_key_id", "business_id", "status", "title",
    "summary", "description", "search_text", "image_ids", "category_id", "lat", "lon",
    "currency", "goal", "minimum", "funding_model", "starts_at", "ends_at", "pledged_amount",
    "backer_count", "first_pledge_at", "created_at", "updated_at", "version",
)  # fmt: skip


def slugs() -> list[str]:
    return [f"{SLUG_PREFIX}{i:02d}" for i in range(TENANTS)]


def host_of(slug: str) -> str:
    return f"{slug}.example"


def tenant_file(slug: str) -> str:
    host = host_of(slug)
    return (
        f'slug = "{slug}"\nname = "Bench Funding City"\nhostnames = ["{host}"]\n'
        'locales = ["de", "en"]\ntimezone = "Europe/Berlin"\ncurrency = "EUR"\n'
        'features = ["campaigns"]\n'
        "[rate_limits]\nrequests_per_minute = 10_000_000  # one tenant takes all the load\n"
        "partner_key_requests_per_minute = 10_000_000  # the change feed's partner keys\n"
        '[branding]\napp_name = "Bench"\n'
        '[branding.colors]\nprimary = "#0b4f8a"\non_primary = "#ffffff"\n'
        'background = "#ffffff"\ntext = "#1a1a1a"\naccent = "#e0a100"\n'
        '[branding.legal]\nimprint_url = "https://b.example/i"\n'
        'privacy_url = "https://b.example/p"\n'
        '[payments]\nprovider = "bank_transfer"\nbank_account_holder = "Bench e.V."\n'
        'bank_iban = "DE89370400440532013000"\n'
    )


def _status(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in STATUSES:
        total += share
        if roll < total:
            return status
    return STATUSES[0][0]


def campaign_records(tenant_id: uuid.UUID, count: int, seed: int, now: datetime) -> list[tuple]:
    """`count` campaigns of one tenant as COPY records (in COLUMNS' order); live ones run
    at `now`."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        status = _status(rng)
        project, place = rng.randrange(len(PROJECTS)), rng.randrange(len(PLACES))
        title = {
            "de": f"{PROJECTS[project][0]} {PLACES[place]} ({i})",
            "en": f"{PROJECTS[project][1]} {PLACES_EN[place]} ({i})",
        }
        picked = rng.sample(SENTENCES, rng.randint(4, 8))
        summary = {"de": picked[0][0], "en": picked[0][1]}
        description = {
            "de": " ".join(s[0] for s in picked),
            "en": " ".join(s[1] for s in picked),
        }
        if status in ("live", "draft", "in_review"):  # running now, or about to
            starts = now - timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 86_399))
        else:  # ended
            starts = now - timedelta(days=rng.randint(90, 800), seconds=rng.randint(0, 86_399))
        ends = starts + timedelta(days=rng.randint(61, 119))
        goal = rng.choice([1_500, 3_000, 5_000, 8_000, 12_000, 25_000, 50_000]) * 100
        all_or_nothing = rng.random() < 0.8
        backers = 0 if status in ("draft", "in_review", "cancelled") else rng.randint(0, 400)
        pledged = backers * rng.randint(1_000, 12_000)
        if status in ("succeeded", "paid_out"):
            pledged = max(pledged, goal)
        elif status == "failed" and all_or_nothing:
            pledged = min(pledged, goal // 2)
        located = rng.random() < 0.6
        created = starts - timedelta(days=rng.randint(1, 30))
        records.append(
            (
                tenant_id,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                None,
                None,
                None,
                status,
                json.dumps(title),
                json.dumps(summary),
                json.dumps(description),
                "\n".join([title["de"], title["en"], summary["de"], summary["en"]]).lower(),
                "[]",
                None,
                round(51.34 + (rng.random() - 0.5) * 0.2, 6) if located else None,
                round(12.37 + (rng.random() - 0.5) * 0.3, 6) if located else None,
                "EUR",
                goal,
                goal // 2 if all_or_nothing and rng.random() < 0.3 else None,
                "all_or_nothing" if all_or_nothing else "keep_it_all",
                starts,
                ends,
                pledged,
                backers,
                starts + timedelta(hours=rng.randint(1, 48)) if backers else None,
                created,
                max(created, starts),
                3 if backers else 2,
            )
        )
    return records


async def load(dsn: str) -> int:
    """COPY each tenant's campaigns (the tenants exist already); returns the total."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT id, slug FROM tenants WHERE slug LIKE $1 ORDER BY slug", SLUG_PREFIX + "%"
        )
        total, now = 0, datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        for seed, row in enumerate(rows):
            records = campaign_records(row["id"], CAMPAIGNS_PER_TENANT, seed, now)
            await conn.copy_records_to_table("campaigns", records=records, columns=COLUMNS)
            total += len(records)
        await conn.execute("ANALYZE campaigns")
        return total
    finally:
        await conn.close()


def load_campaigns(dsn: str) -> int:
    return asyncio.run(load(dsn))
