"""The migration stairway: every revision up, down and up again, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import inspect

from adapters.db import migrate
from adapters.db.engine import create_engine
from tests.conftest import create_scratch_database, drop_scratch_database, on_postgres

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
