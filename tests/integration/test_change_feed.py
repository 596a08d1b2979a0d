"""The change feed while writers race: a reader that follows its cursor sees every change
exactly once and in one order, however the writers' transactions interleave.

The hard case is a transaction that writes its change early and commits late: a later
transaction's change commits first, the reader passes it, and a feed ordered by id alone would
never go back for the late one. On PostgreSQL the feed hands out only changes of ended
transactions (below the snapshot's xmin), ordered by transaction, so the late one comes after
everything the reader has seen. SQLite writes one transaction at a time, so the same test
holds there by construction."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from adapters.db.engine import create_engine, create_session_factory
from adapters.db.funding_uow import SqlFundingUnitOfWork
from adapters.db.outbox import OutboxRow
from adapters.db.syndication import SqlChangeReads
from adapters.db.tenancy import TenantRow
from domain.funding.events import CampaignChanged
from domain.syndication.feed import SYNDICATED
from tests.conftest import on_postgres
from tests.contracts.conftest import add_tenant_rows

WRITERS = 12 if on_postgres() else 4
CHANGES_EACH = 15


@pytest.fixture
async def sessions(migrated_database: str) -> AsyncIterator[tuple[async_sessionmaker, uuid.UUID]]:
    engine = create_engine(migrated_database, pool_size=WRITERS + 4)
    made = create_session_factory(engine)
    tenant_id = uuid.uuid4()
    async with made() as session, session.begin():
        await add_tenant_rows(session, tenant_id)
    yield made, tenant_id
    async with made() as session, session.begin():
        await session.execute(delete(TenantRow).where(TenantRow.id == tenant_id))
    await engine.dispose()


async def test_a_reader_following_its_cursor_sees_every_change_once_while_writers_race(sessions):
    factory, tenant_id = sessions
    reads = SqlChangeReads(factory, tenant_id)
    types = list(SYNDICATED)
    done = asyncio.Event()
    seen: list[int] = []
    positions: list[tuple[int, int]] = []

    async def write(writer: int) -> None:
        rng = random.Random(writer)
        for _ in range(CHANGES_EACH):
            async with SqlFundingUnitOfWork(factory, tenant_id=tenant_id) as uow:
                uow.record(CampaignChanged(tenant_id=tenant_id, campaign_id=uuid.uuid4()))
                # Some transactions write, then linger before they commit: those that
                # started after them commit first.
                await uow.session.flush()
                await asyncio.sleep(rng.choice((0, 0, 0.001, 0.02)))
                await uow.commit()

    async def follow() -> None:
        """Until every change was seen, or for 10 s after the writers finished (a skipped
        change never comes; other transactions in the cluster may hold the feed back)."""
        after = None
        while len(seen) < WRITERS * CHANGES_EACH:
            page = await reads.changes(types, after, limit=25)
            for change in page:
                seen.append(change.row_id)
                positions.append((change.xact, change.row_id))
            if page:
                after = (page[-1].xact, page[-1].row_id)
            elif done.is_set() and loop.time() > done_at[0] + 10:
                return
            else:
                await asyncio.sleep(0.002)

    loop = asyncio.get_running_loop()
    done_at = [0.0]
    reader = asyncio.create_task(follow())
    await asyncio.gather(*(write(w) for w in range(WRITERS)))
    done_at[0] = loop.time()
    done.set()
    await asyncio.wait_for(reader, 30)
    # Nothing more comes later either.
    assert await reads.changes(types, positions[-1], limit=25) == []

    async with factory() as session:
        stored = list(
            (
                await session.execute(select(OutboxRow.id).where(OutboxRow.tenant_id == tenant_id))
            ).scalars()
        )
        assert (
            await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.tenant_id == tenant_id)
            )
            == WRITERS * CHANGES_EACH
        )
    assert len(seen) == len(set(seen)), "a change was handed out twice"
    assert sorted(seen) == sorted(stored), "a change was skipped"
    assert positions == sorted(positions)
