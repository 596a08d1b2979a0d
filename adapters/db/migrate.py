"""Schema migrations (one Alembic history for SQLite and PostgreSQL), run programmatically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    await _migrate(engine, lambda sync: command.upgrade(_config(sync), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _migrate(engine, lambda sync: command.downgrade(_config(sync), revision))


async def _migrate(engine: AsyncEngine, run: Callable[[Connection], None]) -> None:
    """One transaction, on SQLite too: its driver opens a transaction only before a row is
    written, so DDL before that would commit statement by statement; an explicit BEGIN makes
    a failing migration leave nothing behind. And with foreign keys off: a batch migration
    copies a table and drops the old one, and with them on that drop would cascade into every
    child table (a business's offers, roles and categories). The keys are checked before the
    commit."""
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no-op inside a transaction
            await conn.commit()
            # IMMEDIATE: a second process migrating at the same time waits for this one,
            # then finds nothing left to do, instead of failing on a locked database.
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            if not sqlite:
                await conn.begin()
            await conn.run_sync(run)
            if sqlite:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        finally:
            if sqlite:
                try:
                    await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    await conn.commit()
                except BaseException:
                    # Never hand a connection without foreign keys back to the pool.
                    await conn.invalidate()
                    raise


def is_modelled(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """False for what the migrations create beyond the table models (the search index's
    full-text parts), so schema comparison leaves it out."""
    from adapters.db.search import (
        UNMODELLED_COLUMNS,
        UNMODELLED_INDEXES,
        UNMODELLED_TABLE_PREFIX,
    )

    if type_ == "table":
        return not (name or "").startswith(UNMODELLED_TABLE_PREFIX)
    if type_ == "column":
        return (getattr(getattr(obj, "table", None), "name", ""), name) not in UNMODELLED_COLUMNS
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    return True


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def all_revisions() -> list[str]:
    """Revision ids from the first to the head."""
    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def grant_to_app_role(engine: AsyncEngine, role: str) -> None:
    """Let the application's role (not the tables' owner, so row-level security binds it)
    read and write every table. PostgreSQL only; one statement per execute."""
    if engine.dialect.name != "postgresql":
        raise ValueError("app roles exist on PostgreSQL only")
    if not role.replace("_", "").isalnum():
        raise ValueError("a role name is letters, digits and underscores")
    async with engine.begin() as conn:
        for statement in (
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        ):
            await conn.exec_driver_sql(statement)
