"""A reward's limited stock under a crowd of pledges: each transaction claims a unit with one
conditional UPDATE, and however many race, exactly the stock is sold. PostgreSQL runs them
truly at once (row locks, re-checked conditions); SQLite one writer after another (the busy
timeout makes the others wait, never fail with "database is locked")."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from adapters.db.engine import create_engine, create_session_factory
from adapters.db.funding import PLEDGES
from adapters.db.funding_uow import SqlFundingUnitOfWork
from adapters.db.tenancy import TenantRow
from domain.funding.errors import RewardSoldOut
from domain.funding.model import Campaign, RewardTier
from tests.conftest import on_postgres
from tests.contracts.conftest import add_tenant_rows
from tests.contracts.entities import later
from tests.contracts.funding_entities import campaign, eur, pledge, tier

STOCK = 20
CROWD = 200 if on_postgres() else 60


@dataclass
class Shop:
    sessions: async_sessionmaker
    tenant_id: UUID
    campaign: Campaign
    tier: RewardTier

    def uow(self) -> SqlFundingUnitOfWork:
        return SqlFundingUnitOfWork(self.sessions, tenant_id=self.tenant_id)


@pytest.fixture
async def shop(migrated_database: str) -> AsyncIterator[Shop]:
    engine = create_engine(migrated_database, pool_size=25)
    sessions = create_session_factory(engine)
    tenant_id = uuid.uuid4()
    made = campaign(tenant_id)
    reward = tier(made.id, quantity=STOCK)
    async with sessions() as session, session.begin():
        await add_tenant_rows(session, tenant_id)
    async with SqlFundingUnitOfWork(sessions, tenant_id=tenant_id) as uow:
        await uow.campaigns.add(made)
        await uow.tiers.add(reward)
        await uow.commit()
    yield Shop(sessions, tenant_id, made, reward)
    async with sessions() as session, session.begin():
        await session.execute(delete(TenantRow).where(TenantRow.id == tenant_id))
    await engine.dispose()


async def test_a_crowd_racing_for_a_limited_reward_gets_exactly_its_stock(shop):
    async def claim_one() -> bool:
        async with shop.uow() as uow:
            claimed = await uow.tiers.claim(shop.tier.id, shop.campaign.id)
            await uow.commit()
            return claimed

    results = await asyncio.gather(*(claim_one() for _ in range(CROWD)))
    assert results.count(True) == STOCK
    async with shop.uow() as uow:
        assert (await uow.tiers.get(shop.tier.id)).claimed == STOCK


async def test_racing_pledges_sell_the_stock_once_and_the_totals_count_each_pledge(shop):
    """The pledge's own statements, as place_pledge runs them: open the campaign, claim the
    unit, add the pledge, move the totals; a sold-out claim rolls the whole pledge back."""
    amount = 2_500

    async def pledge_one(minute: int) -> bool:
        now = later(minute % 600)
        try:
            async with shop.uow() as uow:
                assert await uow.campaigns.open_for_pledge(shop.campaign.id, now)
                if not await uow.tiers.claim(shop.tier.id, shop.campaign.id):
                    raise RewardSoldOut()
                await uow.pledges.add(
                    pledge(shop.campaign.id, tier_id=shop.tier.id, amount=eur(amount))
                )
                await uow.campaigns.add_to_totals(shop.campaign.id, amount, 1)
                await uow.commit()
                return True
        except RewardSoldOut:
            return False

    results = await asyncio.gather(*(pledge_one(i) for i in range(CROWD)))
    assert results.count(True) == STOCK
    async with shop.uow() as uow:
        stored = await uow.campaigns.get(shop.campaign.id)
        pledged = await uow.session.scalar(
            select(func.count()).select_from(PLEDGES).where(PLEDGES.c.tenant_id == shop.tenant_id)
        )
        assert (await uow.tiers.get(shop.tier.id)).claimed == STOCK
    assert pledged == STOCK
    assert (stored.totals.pledged.amount, stored.totals.backers) == (STOCK * amount, STOCK)
    assert stored.version == 2  # the first pledge alone moved it
