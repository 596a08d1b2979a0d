"""Business names sort alike on both databases: SQLite through the Python sort key the engine
registers as "de-x-icu", checked here against PostgreSQL's ICU collation of that name itself,
over names with umlauts, ß, case, accents, punctuation and digits."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from adapters.db.collation import german_sort_key
from adapters.db.engine import create_engine
from tests.conftest import TEST_DATABASE_URL, on_postgres

NAMES = [
    "Zebra", "zebra", "Buchladen", "Bäckerei", "Backerei", "backerei", "apfel", "Apfel",
    "äpfel", "Äpfel", "Apfelbaum", "Ölmühle", "Olm", "Ofenbau", "Öko-Laden", "Café", "Cafe",
    "cafe", "café", "Cafè", "Cafê", "Çafe", "Cafë", "ss", "ß", "SS", "Ss", "sß", "st", "ẞ",
    "Straße", "Strasse", "STRASSE", "strasse", "Weiß", "Weiss", "Weis", "Fußball", "fussball",
    "Müller & Söhne", "Müller und Söhne", "Mueller", "Muller", "Müller", "MÜLLER",
    "Möbel-Haus", "Möbelhaus", "Möbel Haus", "O'Neill", "Oneill", "1. FC Lok", "10 Zimmer",
    "2 Räder", "(Bio) Laden", "Bio-Laden", "Bioladen", "„Zum Anker“", "Zum Anker", "Łódź",
    "Lodz", "Ørsted", "Orsted", "Œuvre", "Oeuvre", "Æble", "Aeble", "Éclair", "Eclair",
    "École", "Ångström", "Angstrom", "Čapek", "Capek", "Dvořák", "Dvorak", "ﬁx", "fix", "Fix",
    "a_b", "a-b", "a.b", "a b", "ab", "a1", "a2", "a²",
]  # fmt: skip


def corpus() -> list[str]:
    """The names above and a few thousand short strings of the letters that are easy to get
    wrong, in a fixed shuffle."""
    rng = random.Random(5)
    letters = "aAäÄoOöÖuUüÜsSß- .e1é"
    made = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    names = list(dict.fromkeys(NAMES + made))
    rng.shuffle(names)
    return names


async def test_sqlite_orders_by_the_german_sort_key(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/names.db")
    names = corpus()
    async with engine.begin() as conn:
        await conn.execute(text('CREATE TABLE names (name VARCHAR(120) COLLATE "de-x-icu")'))
        await conn.execute(text("INSERT INTO names VALUES (:name)"), [{"name": n} for n in names])
        ordered = (await conn.execute(text("SELECT name FROM names ORDER BY name"))).scalars()
        assert list(ordered) == sorted(names, key=german_sort_key)
    await engine.dispose()


@pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL (STADTKERN_TEST_DATABASE_URL)")
async def test_the_german_sort_key_orders_as_postgresqls_icu_collation():
    engine = create_engine(TEST_DATABASE_URL)
    names = corpus()
    async with engine.connect() as conn:
        ordered = await conn.execute(
            text('SELECT n FROM unnest(CAST(:names AS text[])) AS n ORDER BY n COLLATE "de-x-icu"'),
            {"names": names},
        )
        assert sorted(names, key=german_sort_key) == list(ordered.scalars())
    await engine.dispose()
