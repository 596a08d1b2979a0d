"""Generated directory data for the map and search benchmarks: one tenant's categories (tenant
file) and N businesses (import CSV) spread over a city-sized area, deterministic per seed."""

from __future__ import annotations

import csv
import random
from pathlib import Path

CENTRE_LAT, CENTRE_LON = 51.34, 12.37  # a Leipzig-sized city
SPAN_LAT, SPAN_LON = 0.20, 0.30  # about 22 km x 21 km

CATEGORIES = {
    "food": ("Essen & Trinken", ("food-bakery", "food-cafe", "food-restaurant")),
    "shopping": ("Einkaufen", ("shopping-books", "shopping-flowers", "shopping-bikes")),
    "services": ("Dienstleistungen", ("services-hair", "services-repair")),
    "culture": ("Kultur", ("culture-gallery", "culture-venue")),
}
# (name prefix, kind, category, words for the description)
TRADES = [
    ("Bäckerei", "gastronomy", "food-bakery", "Brötchen, Brot und Kuchen aus dem Steinofen"),
    ("Café", "gastronomy", "food-cafe", "Kaffee, Frühstück und hausgemachte Torten"),
    ("Restaurant", "gastronomy", "food-restaurant", "regionale Küche mit saisonalen Gerichten"),
    ("Buchhandlung", "retail", "shopping-books", "Bücher, Hörbücher und Lesungen"),
    ("Blumenladen", "retail", "shopping-flowers", "Sträuße, Pflanzen und Trauerfloristik"),
    ("Fahrradwerkstatt", "services", "shopping-bikes", "Reparatur und Verkauf von Fahrrädern"),
    ("Friseursalon", "services", "services-hair", "Haarschnitte, Farbe und Bartpflege"),
    ("Reparaturcafé", "association", "services-repair", "Ehrenamtliche reparieren Geräte"),
    ("Galerie", "culture", "culture-gallery", "zeitgenössische Kunst aus der Region"),
    ("Musikclub", "culture", "culture-venue", "Konzerte, Lesungen und Partys"),
]
SURNAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Krause", "Meier", "Lehmann",
]  # fmt: skip
STREETS = ["Hauptstraße", "Karl-Liebknecht-Straße", "Eisenbahnstraße", "Marktgasse", "Ringweg"]
HOURS = [
    "mo-fr 09:00-18:00; sa 10:00-14:00",
    "tu-su 10:00-22:00",
    "mo-sa 06:30-13:00, 14:00-18:00",
    "th-sa 20:00-03:00",
    "",
]


# The list scenarios' tenants: 12 categories (3 top-level with 3 children each), every
# business in one child, so a top-level category matches a third of a tenant's businesses.
LIST_CATEGORIES = {
    "food": ("Essen & Trinken", ("food-bakery", "food-cafe", "food-restaurant")),
    "shopping": ("Einkaufen", ("shopping-books", "shopping-flowers", "shopping-bikes")),
    "services": ("Dienstleistungen", ("services-hair", "services-repair", "services-culture")),
}
LIST_CATEGORY_KEYS = [child for _, children in LIST_CATEGORIES.values() for child in children]


def tenant_file(
    slug: str, host: str, categories: dict[str, tuple[str, tuple[str, ...]]] = CATEGORIES
) -> str:
    lines = [
        f'slug = "{slug}"',
        'name = "Bench Directory City"',
        f'hostnames = ["{host}"]',
        'locales = ["de", "en"]',
        'timezone = "Europe/Berlin"',
        'features = ["businesses"]',
        "[rate_limits]",
        "requests_per_minute = 10_000_000  # one tenant takes all the load here",
        "[branding]",
        'app_name = "Bench"',
        "[branding.colors]",
        'primary = "#0b4f8a"\non_primary = "#ffffff"\nbackground = "#ffffff"',
        'text = "#1a1a1a"\naccent = "#e0a100"',
        "[branding.legal]",
        'imprint_url = "https://b.example/i"\nprivacy_url = "https://b.example/p"',
    ]
    for key, (name, children) in categories.items():
        lines += ["[[categories]]", f'key = "{key}"', f'name = "{name}"']
        for child in children:
            lines += ["[[categories]]", f'key = "{child}"', f'name = "{child}"']
            lines.append(f'parent = "{key}"')
    return "\n".join(lines) + "\n"


def write_businesses(
    path: Path, count: int, seed: int = 7, categories: list[str] | None = None
) -> None:
    """`count` businesses; with `categories`, each gets one of those keys instead of its
    trade's (the list scenarios' taxonomy)."""
    rng = random.Random(seed)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["external_id", "name", "kind", "categories", "description", "street", "postcode",
             "city", "lat", "lon", "website_url", "delivers", "offers_pickup", "opening_hours"]
        )  # fmt: skip
        for i in range(count):
            prefix, kind, category, words = rng.choice(TRADES)
            surname = rng.choice(SURNAMES)
            writer.writerow(
                [
                    f"bench-{i}",
                    f"{prefix} {surname} {i}",
                    kind,
                    rng.choice(categories) if categories else category,
                    f"{prefix} {surname}: {words}.",
                    f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
                    f"04{rng.randint(100, 357)}",
                    "Leipzig",
                    round(CENTRE_LAT + (rng.random() - 0.5) * SPAN_LAT, 6),
                    round(CENTRE_LON + (rng.random() - 0.5) * SPAN_LON, 6),
                    f"https://bench-{i}.example",
                    rng.random() < 0.3,
                    rng.random() < 0.5,
                    rng.choice(HOURS),
                ]
            )


def map_paths(count: int, size_deg: float = 0.02, seed: int = 11) -> list[str]:
    """`count` map views of about 1.4 km x 2.2 km (a phone screen at street level) inside the
    city; with 50,000 businesses each holds a few hundred pins."""
    rng = random.Random(seed)
    paths = []
    for _ in range(count):
        lat = CENTRE_LAT + (rng.random() - 0.5) * (SPAN_LAT - size_deg)
        lon = CENTRE_LON + (rng.random() - 0.5) * (SPAN_LON - size_deg)
        half = size_deg / 2
        paths.append(
            f"/v1/map?bbox={lon - half:.5f},{lat - half:.5f},{lon + half:.5f},{lat + half:.5f}"
        )
    return paths


SEARCH_QUERIES = ["bäckerei", "kaffee torten", "buchh", "fahrrad reparatur", "galerie kunst",
                  "müller", "blumen", "konzerte", "friseur", "schmidt café"]  # fmt: skip


def search_paths() -> list[str]:
    from urllib.parse import quote

    return [f"/v1/search?q={quote(q)}" for q in SEARCH_QUERIES]
