"""Funding's unit of work is one transaction on both databases: writes that may break a key
(a pledge's reference, an Idempotency-Key) go with a rollback like any other, also when they
are the transaction's first write, and a broken key leaves the transaction usable."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker

from adapters.db.engine import create_engine, create_session_factory
from adapters.db.funding_uow import SqlFundingUnitOfWork
from adapters.db.tenancy import TenantRow
from domain.funding.errors import IdempotencyKeyTaken, PaymentReferenceTaken
from domain.funding.model import Campaign
from domain.funding.ports import StoredRequest
from tests.contracts.conftest import add_tenant_rows
from tests.contracts.entities import AT
from tests.contracts.funding_entities import campaign, pledge


@dataclass
class Funding:
    sessions: async_sessionmaker
    tenant_id: UUID
    campaign: Campaign

    def uow(self) -> SqlFundingUnitOfWork:
        return SqlFundingUnitOfWork(self.sessions, tenant_id=self.tenant_id)


@pytest.fixture
async def funding(migrated_database: str) -> AsyncIterator[Funding]:
    engine = create_engine(migrated_database)
    sessions = create_session_factory(engine)
    tenant_id = uuid.uuid4()
    made = campaign(tenant_id)
    async with sessions() as session, session.begin():
        await add_tenant_rows(session, tenant_id)
    async with SqlFundingUnitOfWork(sessions, tenant_id=tenant_id) as uow:
        await uow.campaigns.add(made)
        await uow.commit()
    yield Funding(sessions, tenant_id, made)
    async with sessions() as session, session.begin():
        await session.execute(delete(TenantRow).where(TenantRow.id == tenant_id))
    await engine.dispose()


async def test_a_pledge_added_first_in_a_transaction_goes_with_its_rollback(funding):
    made = pledge(funding.campaign.id, payment_reference="SK-FIRST")
    async with funding.uow() as uow:
        await uow.pledges.add(made)
        await uow.rollback()
    async with funding.uow() as uow:
        assert await uow.pledges.get(made.id) is None


async def test_an_idempotency_key_stored_first_in_a_transaction_goes_with_its_rollback(funding):
    async with funding.uow() as uow:
        await uow.idempotency.add("scope", "key-1", StoredRequest("f", uuid.uuid4()), AT)
    async with funding.uow() as uow:
        assert await uow.idempotency.get("scope", "key-1") is None


async def test_a_reference_drawn_twice_leaves_the_transaction_usable(funding):
    async with funding.uow() as uow:
        await uow.pledges.add(pledge(funding.campaign.id, payment_reference="SK-1"))
        await uow.commit()
    redrawn = pledge(funding.campaign.id, payment_reference="SK-2")
    async with funding.uow() as uow:
        with pytest.raises(PaymentReferenceTaken):
            await uow.pledges.add(pledge(funding.campaign.id, payment_reference="SK-1"))
        await uow.pledges.add(redrawn)
        await uow.commit()
    async with funding.uow() as uow:
        assert await uow.pledges.get(redrawn.id) == redrawn


async def test_a_key_stored_by_a_racing_request_is_read_in_the_same_transaction(funding):
    first = StoredRequest("f1", uuid.uuid4())
    async with funding.uow() as uow:
        await uow.idempotency.add("scope", "key-2", first, AT)
        await uow.commit()
    async with funding.uow() as uow:
        await uow.campaigns.add_to_totals(funding.campaign.id, 100, 1)  # a write before
        with pytest.raises(IdempotencyKeyTaken):
            await uow.idempotency.add("scope", "key-2", StoredRequest("f2", uuid.uuid4()), AT)
        assert await uow.idempotency.get("scope", "key-2") == first
        await uow.commit()
    async with funding.uow() as uow:
        assert (await uow.campaigns.get(funding.campaign.id)).totals.backers == 1
