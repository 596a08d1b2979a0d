"""The money path's use cases on the real database (PostgreSQL in CI, where transactions truly
run at once): 200 pledges racing for a reward of 20 units, two workers settling together, and
a process killed between the provider's charge and its commit."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.services import Services
from domain.errors import StaleVersion
from domain.funding import campaigns, pledges, settlement, tiers
from domain.funding.errors import RewardSoldOut
from domain.funding.model import (
    CampaignContent,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Money,
    PledgeStatus,
    RewardKind,
)
from domain.identity.model import Account, Membership, Person, Role
from domain.languages import LocalizedText
from domain.tenancy.model import Tenant
from tests.conftest import on_postgres, seed_tenants
from tests.factories import campaign_tenant
from tests.fakes import FixedClock
from tests.fakes_payments import FakeGateway
from tests.unit.funding_setup import Gateways

CROWD = 200 if on_postgres() else 60
STOCK = 20


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def person(tenant: Tenant, role: Role = Role.MEMBER) -> Person:
    """Someone acting on the tenant (backers and admins need no account row)."""
    return Person(tenant.id, uuid.uuid4(), role)


async def author_of(services: Services, tenant: Tenant) -> Person:
    """A campaign's owner: an account of the tenant."""
    account_id = uuid.uuid4()
    now = datetime.now(UTC)
    async with services.identity_uow(tenant.id) as uow:
        await uow.accounts.add(Account(account_id, f"{account_id.hex}@example.org", "A", None, now))
        await uow.memberships.add(Membership(tenant.id, account_id, Role.MEMBER, now))
        await uow.commit()
    return Person(tenant.id, account_id, Role.MEMBER)


async def live_campaign(
    services: Services, tenant: Tenant, clock: FixedClock, *, goal: int = 100_000
) -> uuid.UUID:
    author = await author_of(services, tenant)
    made = await campaigns.create_campaign(
        campaigns.CampaignInput(
            CampaignContent(title=LocalizedText.single("de", "Kiezladen")),
            CampaignTerms(
                eur(goal),
                FundingModel.ALL_OR_NOTHING,
                clock.now() - timedelta(hours=1),
                clock.now() + timedelta(days=30),
            ),
        ),
        author,
        uow=services.funding_uow(tenant),
        clock=clock,
        ids=services.ids,
        currency="EUR",
    )
    await campaigns.submit_campaign(
        made.id, author, uow=services.funding_uow(tenant), clock=clock, auto_approve=True
    )
    return made.id


@pytest.fixture
async def tenant(services: Services) -> Tenant:
    await seed_tenants(services, campaign_tenant("rennbahn"))
    found = await services.tenant_directory.by_slug("rennbahn")
    assert found is not None
    return found


async def test_200_pledges_racing_for_20_units_sell_exactly_20_and_totals_are_exact(
    services: Services, tenant: Tenant
):
    clock = FixedClock(datetime.now(UTC))
    campaign_id = await live_campaign(services, tenant, clock)
    author_view = await campaigns.view_campaign(
        campaign_id, person(tenant, Role.MODERATOR), uow=services.funding_uow(tenant)
    )
    tier = await tiers.add_tier(
        campaign_id,
        tiers.TierInput(
            LocalizedText.single("de", "Gutschein"), 1_000, RewardKind.VOUCHER, quantity=STOCK
        ),
        person(tenant, Role.MODERATOR),
        uow=services.funding_uow(tenant),
        ids=services.ids,
    )
    assert author_view.campaign.status is CampaignStatus.LIVE
    gateways = services.payment_gateways(tenant)

    async def one(n: int) -> object:
        try:
            return await pledges.make_pledge(
                pledges.PledgeInput(campaign_id, eur(1_000 + n), tier.id),
                person(tenant),
                idempotency_key=f"race-{n}",
                uow=services.funding_uow(tenant),
                gateways=gateways,
                clock=clock,
                ids=services.ids,
            )
        except (RewardSoldOut, StaleVersion) as refused:
            return refused

    answers = await asyncio.gather(*(one(n) for n in range(CROWD)))
    made = [a for a in answers if not isinstance(a, Exception)]
    assert len(made) == STOCK
    assert all(isinstance(a, RewardSoldOut) for a in answers if isinstance(a, Exception))
    references = [p.payment_reference for p in made]  # type: ignore[attr-defined]
    assert len(set(references)) == STOCK
    admin = person(tenant, Role.ADMIN)
    await pledges.mark_transfers_received(
        references, admin, uow=services.funding_uow(tenant), clock=clock
    )
    view = await campaigns.view_campaign(campaign_id, admin, uow=services.funding_uow(tenant))
    totals = view.campaign.current_totals
    assert totals.backers == STOCK
    assert totals.pledged.amount == sum(p.amount.amount for p in made)  # type: ignore[attr-defined]
    assert view.tiers[0].claimed == STOCK


async def _secured_campaign(
    services: Services, tenant: Tenant, gateway: FakeGateway, clock: FixedClock, count: int
) -> list[uuid.UUID]:
    campaign_id = await live_campaign(services, tenant, clock, goal=1_000)
    gateways = Gateways(gateway)
    made = []
    for n in range(count):
        backer = person(tenant)
        pledge = await pledges.make_pledge(
            pledges.PledgeInput(campaign_id, eur(1_000 + n)),
            backer,
            idempotency_key=None,
            uow=services.funding_uow(tenant),
            gateways=gateways,
            clock=clock,
            ids=services.ids,
        )
        gateway.confirm_setup(pledge.id)
        await pledges.confirm_pledge(
            pledge.id,
            backer,
            uow=services.funding_uow(tenant),
            gateways=gateways,
            clock=clock,
            ids=services.ids,
        )
        made.append(pledge.id)
    clock.advance(days=31)
    return made


async def test_two_workers_settling_at_once_charge_every_pledge_once(
    services: Services, tenant: Tenant
):
    gateway, clock = FakeGateway(), FixedClock(datetime.now(UTC))
    made = await _secured_campaign(services, tenant, gateway, clock, 8)
    gateways = Gateways(gateway)

    async def worker() -> settlement.SettlementReport:
        return await settlement.settle(
            uow=services.funding_uow(tenant), gateways=gateways, clock=clock, ids=services.ids
        )

    reports = await asyncio.gather(worker(), worker())
    assert sum(r.decided for r in reports) == 1
    assert sum(r.charged for r in reports) == len(made)
    assert sorted(c.pledge_id for c in gateway.charges) == sorted(made)
    charge_calls = [call for call in gateway.calls if call[0] == "charge"]
    assert len(charge_calls) == len(made)  # the lease: no second worker even asked


async def test_a_crash_between_the_charge_and_its_commit_charges_once(
    services: Services, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
):
    gateway, clock = FakeGateway(), FixedClock(datetime.now(UTC))
    [pledge_id] = await _secured_campaign(services, tenant, gateway, clock, 1)
    gateways = Gateways(gateway)
    real_charge = gateway.charge

    async def charge_then_die(pledge, *, key):  # type: ignore[no-untyped-def]
        answer = await real_charge(pledge, key=key)
        raise SystemExit(f"killed after the provider answered {answer}")

    monkeypatch.setattr(gateway, "charge", charge_then_die)
    with pytest.raises(SystemExit):
        await settlement.settle(
            uow=services.funding_uow(tenant), gateways=gateways, clock=clock, ids=services.ids
        )
    monkeypatch.setattr(gateway, "charge", real_charge)
    assert len(gateway.charges) == 1
    moderator = person(tenant, Role.MODERATOR)
    stuck = await pledges.view_pledge(pledge_id, moderator, uow=services.funding_uow(tenant))
    assert stuck.status is PledgeStatus.SECURED  # the result never reached the database
    calls = len(gateway.calls)
    await settlement.settle(
        uow=services.funding_uow(tenant), gateways=gateways, clock=clock, ids=services.ids
    )
    assert len(gateway.calls) == calls  # leased: nobody asks the provider meanwhile
    clock.advance(minutes=6)
    report = await settlement.settle(
        uow=services.funding_uow(tenant), gateways=gateways, clock=clock, ids=services.ids
    )
    assert report.charged == 1
    assert len(gateway.charges) == 1  # the same key: Stripe's first answer, no second charge
    done = await pledges.view_pledge(pledge_id, moderator, uow=services.funding_uow(tenant))
    assert done.status is PledgeStatus.CAPTURED and done.charge_ref == gateway.charges[0].ref


async def test_refunds_racing_each_other_never_exceed_the_capture(
    services: Services, tenant: Tenant
):
    from domain.funding import refunds
    from domain.funding.errors import RefundTooLarge

    clock = FixedClock(datetime.now(UTC))
    campaign_id = await live_campaign(services, tenant, clock)
    gateways = services.payment_gateways(tenant)
    made = await pledges.make_pledge(
        pledges.PledgeInput(campaign_id, eur(10_000)),
        person(tenant),
        idempotency_key=None,
        uow=services.funding_uow(tenant),
        gateways=gateways,
        clock=clock,
        ids=services.ids,
    )
    account = await author_of(services, tenant)  # a refund names the admin's account
    admin = Person(tenant.id, account.account_id, Role.ADMIN)
    await pledges.mark_transfers_received(
        [made.payment_reference], admin, uow=services.funding_uow(tenant), clock=clock
    )

    async def refund(amount: int) -> object:
        try:
            return await refunds.refund_pledge(
                refunds.RefundInput(made.id, amount),
                admin,
                idempotency_key=None,
                uow=services.funding_uow(tenant),
                gateways=gateways,
                clock=clock,
                ids=services.ids,
            )
        except (RefundTooLarge, StaleVersion) as refused:
            return refused

    answers = await asyncio.gather(*(refund(3_000) for _ in range(8)))
    done = [a for a in answers if not isinstance(a, Exception)]
    assert len(done) == 3  # 9,000 of 10,000; a fourth would exceed the capture
    view = await campaigns.view_campaign(campaign_id, admin, uow=services.funding_uow(tenant))
    assert view.campaign.current_totals.pledged == eur(1_000)
    after = await pledges.view_pledge(made.id, admin, uow=services.funding_uow(tenant))
    assert after.refunded == eur(9_000)
