"""The migration stairway: every revision up, down and up again, on SQLite and PostgreSQL."""

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect

from adapters.db import migrate
from adapters.db.directory import BusinessCategoryRow, BusinessRow, CategoryRow, OfferRow
from adapters.db.engine import create_engine, create_session_factory
from adapters.db.search import SqlSearchReads
from adapters.db.types import JsonDocument, UtcDateTime
from adapters.search_text import stems
from adapters.tenant_document import config_to_data
from tests.conftest import create_scratch_database, drop_scratch_database, on_postgres
from tests.factories import tenant_config

# SQLite always; PostgreSQL too when STADTKERN_TEST_DATABASE_URL is set (CI runs both).
BACKENDS = ["sqlite", "postgresql"] if on_postgres() else ["sqlite"]


@pytest.fixture(params=BACKENDS)
async def empty_engine(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/stairway.db")
        yield engine
        await engine.dispose()
        return
    url = await create_scratch_database("stairway")
    engine = create_engine(url)
    yield engine
    await engine.dispose()
    await drop_scratch_database(url)


async def tables(engine) -> set[str]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def test_every_migration_goes_up_down_and_up_again(empty_engine):
    revisions = migrate.all_revisions()
    assert revisions and revisions[-1] == migrate.head_revision()
    for revision in revisions:
        await migrate.upgrade(empty_engine, revision)
        after_up = await tables(empty_engine)
        await migrate.downgrade(empty_engine, "-1")
        await migrate.upgrade(empty_engine, revision)
        assert await tables(empty_engine) == after_up
        assert await migrate.current_revision(empty_engine) == revision
    await migrate.downgrade(empty_engine, "base")
    assert await tables(empty_engine) == set()


async def test_the_migrated_schema_matches_the_table_models(empty_engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import adapters.db.tables  # noqa: F401

    await migrate.upgrade(empty_engine)
    async with empty_engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_object": migrate.is_modelled}),
                SQLModel.metadata,
            )
        )
    assert diff == []


def _at_0009() -> dict[str, sa.TableClause]:
    """The tables as revision 0009 left them, as much of them as a directory row needs."""

    def common() -> list[sa.ColumnClause]:
        return [sa.column("tenant_id", sa.Uuid()), sa.column("id", sa.Uuid())]

    return {
        "tenants": sa.table(
            "tenants",
            sa.column("id", sa.Uuid()),
            sa.column("slug"),
            sa.column("name"),
            sa.column("status"),
            sa.column("config", JsonDocument),
            sa.column("created_at", UtcDateTime),
            sa.column("updated_at", UtcDateTime),
        ),
        "categories": sa.table(
            "categories", *common(), sa.column("key"), sa.column("name"), sa.column("position")
        ),
        "businesses": sa.table(
            "businesses",
            *common(),
            *(sa.column(n) for n in BUSINESS_TEXT_COLUMNS),
            *(sa.column(n, JsonDocument) for n in ("image_urls", "social_links", "opening_hours")),
            *(sa.column(n, sa.Boolean()) for n in ("delivers", "offers_pickup")),
            *(sa.column(n, UtcDateTime) for n in ("created_at", "updated_at")),
            sa.column("version"),
        ),
        "business_categories": sa.table(
            "business_categories",
            sa.column("tenant_id", sa.Uuid()),
            sa.column("business_id", sa.Uuid()),
            sa.column("category_id", sa.Uuid()),
        ),
        "offers": sa.table(
            "offers",
            *common(),
            sa.column("business_id", sa.Uuid()),
            sa.column("title"),
            sa.column("text"),
            *(sa.column(n, UtcDateTime) for n in ("valid_from", "valid_until", "created_at")),
        ),
    }


BUSINESS_TEXT_COLUMNS = (
    "name", "kind", "description", "street", "postcode", "city", "phone", "email",
    "delivery_notes", "pickup_notes", "hidden_reason",
)  # fmt: skip
AT = datetime(2026, 12, 1, tzinfo=UTC)


async def test_directory_texts_move_into_their_tenants_first_language(empty_engine):
    """Texts stored before the directory had languages become the text of the tenant's
    first locale (here English), empty ones no text; the rows hanging from a business (its
    categories, its offers) survive the change of its table, and going down keeps the
    first language's text."""
    await migrate.upgrade(empty_engine, "0009")
    t = _at_0009()
    tenant, category, business, offer = (uuid.uuid4() for _ in range(4))
    config = config_to_data(tenant_config("anglo", locales=("en", "de")))
    business_texts = dict.fromkeys(BUSINESS_TEXT_COLUMNS, "") | {
        "name": "Sunrise Bakery",
        "kind": "retail",
        "description": "Fresh rolls",
        "delivery_notes": "Within the ring",
    }
    async with empty_engine.begin() as conn:
        await conn.execute(
            sa.insert(t["tenants"]).values(
                id=tenant,
                slug="anglo",
                name="Anglo",
                status="active",
                config=config,
                created_at=AT,
                updated_at=AT,
            )
        )
        mine = {"tenant_id": tenant}
        await conn.execute(
            sa.insert(t["categories"]).values(
                **mine, id=category, key="food", name="Food", position=0
            )
        )
        await conn.execute(
            sa.insert(t["businesses"]).values(
                **mine,
                id=business,
                **business_texts,
                image_urls=[],
                social_links=[],
                opening_hours={},
                delivers=True,
                offers_pickup=False,
                created_at=AT,
                updated_at=AT,
                version=1,
            )
        )
        await conn.execute(
            sa.insert(t["business_categories"]).values(
                **mine, business_id=business, category_id=category
            )
        )
        await conn.execute(
            sa.insert(t["offers"]).values(
                **mine,
                id=offer,
                business_id=business,
                title="Two for one",
                text="",
                valid_from=AT,
                valid_until=AT,
                created_at=AT,
            )
        )

    await migrate.upgrade(empty_engine)

    async with empty_engine.connect() as conn:
        stored = (await conn.execute(sa.select(BusinessRow.__table__))).one()
        offered = (await conn.execute(sa.select(OfferRow.__table__))).one()
        named = (await conn.execute(sa.select(CategoryRow.__table__))).one()
        links = (await conn.execute(sa.select(BusinessCategoryRow.__table__))).all()
    assert stored.description == {"en": "Fresh rolls"}
    assert stored.delivery_notes == {"en": "Within the ring"} and stored.pickup_notes == {}
    assert (offered.title, offered.text) == ({"en": "Two for one"}, {})
    assert named.name == {"en": "Food"}
    assert [(link.business_id, link.category_id) for link in links] == [(business, category)]

    await migrate.downgrade(empty_engine, "0009")

    async with empty_engine.connect() as conn:
        down = (
            await conn.execute(sa.select(sa.column("description"), sa.column("pickup_notes"))
                               .select_from(sa.table("businesses")))
        ).one()  # fmt: skip
    assert tuple(down) == ("Fresh rolls", "")


async def test_search_entries_of_one_language_are_found_in_each_language_after_0009(empty_engine):
    """0009 turns an entry's body into its text in the tenant's first locale and stems it
    again, the title in each of the tenant's languages; going down, the body is back, stemmed
    as before."""
    await migrate.upgrade(empty_engine, "0008")
    tenant, item = uuid.uuid4(), uuid.uuid4()
    postgres = empty_engine.dialect.name == "postgresql"
    entries = sa.table(
        "search_entries",
        *(sa.column(name) for name in ("kind", "title", "body", "visible", "language")),
        sa.column("tenant_id", sa.Uuid()),
        sa.column("item_id", sa.Uuid()),
        sa.column("category_ids", JsonDocument),
        *([sa.column("document")] if postgres else []),
    )
    title, body = "Kette", "Reparaturen für Fahrräder"
    async with empty_engine.begin() as conn:
        await conn.execute(
            sa.insert(_at_0009()["tenants"]).values(
                id=tenant,
                slug="zwei",
                name="Zwei",
                status="active",
                config=config_to_data(tenant_config("zwei", locales=("de", "en"))),
                created_at=AT,
                updated_at=AT,
            )
        )
        # As revision 0008's index wrote them: title and body stemmed in German.
        document = (
            {
                "document": sa.literal_column(
                    f"setweight(to_tsvector('german', '{title}'), 'A') || "
                    f"setweight(to_tsvector('german', '{body}'), 'B')"
                )
            }
            if postgres
            else {}
        )
        await conn.execute(
            sa.insert(entries).values(
                tenant_id=tenant,
                item_id=item,
                kind="business",
                title=title,
                body=body,
                category_ids=[],
                visible=True,
                language="german",
                **document,
            )
        )
        if not postgres:
            await conn.execute(
                sa.text(
                    "INSERT INTO search_fts (rowid, title, body) "
                    "SELECT rowid, :title, :body FROM search_entries"
                ),
                {
                    "title": " ".join(stems(title, "german")),
                    "body": " ".join(stems(body, "german")),
                },
            )

    await migrate.upgrade(empty_engine)

    reads = SqlSearchReads(create_session_factory(empty_engine), tenant, ("de", "en"))
    (hit,) = await reads.search(
        "Fahrrad", kinds=("business",), category_ids=(), language="en", limit=5
    )
    assert (hit.item_id, hit.language) == (item, "de")
    assert hit.snippet == "Reparaturen für <mark>Fahrräder</mark>"

    await migrate.downgrade(empty_engine, "0008")

    async with empty_engine.connect() as conn:
        down = await conn.execute(sa.select(entries.c.body, entries.c.language))
        assert down.all() == [(body, "german")]
        if postgres:
            match = "SELECT count(*) FROM search_entries WHERE document @@ 'fahrrad'::tsquery"
        else:
            match = "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'fahrrad'"
        assert (await conn.execute(sa.text(match))).scalar() == 1


async def test_a_failing_migration_leaves_no_part_of_itself_behind(empty_engine) -> None:
    """On SQLite too, where the driver would commit DDL statement by statement."""

    def half_done(sync: sa.Connection) -> None:
        sync.exec_driver_sql("CREATE TABLE half_done (id INTEGER)")
        raise RuntimeError("the migration fails after its first statement")

    with pytest.raises(RuntimeError):
        await migrate._migrate(empty_engine, half_done)
    async with empty_engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        keys_on = (
            (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
            if conn.dialect.name == "sqlite"
            else 1
        )
    assert "half_done" not in tables
    assert keys_on == 1  # the pooled connection has its foreign keys back
