"""What the unit tests of funding's use cases share: a tenant on fakes, its people, and
campaigns brought to the state a test needs."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from adapters.payments.bank_transfer import BankTransferGateway
from domain.funding import campaigns, tiers
from domain.funding.model import (
    Campaign,
    CampaignContent,
    CampaignStatus,
    CampaignTerms,
    FundingModel,
    Money,
    RewardKind,
    RewardTier,
)
from domain.funding.ports import BankDetails, PaymentGateway
from domain.identity.model import Person, Role
from domain.languages import LocalizedText
from tests.fakes import FixedClock, SequentialIds
from tests.fakes_funding import FakeFundingStore, FakeFundingUnitOfWork

START = datetime(2026, 12, 1, 12, tzinfo=UTC)
TENANT = uuid.UUID(int=0xA)
OTHER_TENANT = uuid.UUID(int=0xB)
_accounts = itertools.count(0x100)


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def person(role: Role | None = Role.MEMBER, tenant: uuid.UUID = TENANT) -> Person:
    return Person(tenant, uuid.UUID(int=next(_accounts)), role)


def bank_gateway() -> BankTransferGateway:
    counter = itertools.count(1)
    return BankTransferGateway(
        BankDetails("Nordstart e.V.", "DE89370400440532013000", None),
        references=lambda: f"SK-{next(counter):08d}",
    )


@dataclass
class Gateways:
    """The tenant's gateways: `current` takes new pledges."""

    current_gateway: PaymentGateway
    others: dict[str, PaymentGateway] = field(default_factory=dict)

    def current(self) -> PaymentGateway:
        return self.current_gateway

    def of(self, provider: str) -> PaymentGateway:
        if provider == self.current_gateway.provider:
            return self.current_gateway
        return self.others[provider]


class World:
    """One tenant on fakes, with an author, a moderator and an admin."""

    def __init__(self, gateway: PaymentGateway | None = None) -> None:
        self.store = FakeFundingStore()
        self.clock = FixedClock(START)
        self.ids = SequentialIds()
        self.gateways = Gateways(gateway or bank_gateway())
        self.author = person()
        self.moderator = person(Role.MODERATOR)
        self.admin = person(Role.ADMIN)

    def uow(self, tenant: uuid.UUID = TENANT) -> FakeFundingUnitOfWork:
        return FakeFundingUnitOfWork(self.store, tenant)

    def deps(self) -> dict:
        return {"uow": self.uow(), "clock": self.clock}

    async def draft(
        self,
        *,
        goal: int = 100_000,
        model: FundingModel = FundingModel.ALL_OR_NOTHING,
        days: int = 30,
        title: str = "Dorfladen",
    ) -> Campaign:
        cmd = campaigns.CampaignInput(
            CampaignContent(title=LocalizedText.single("de", title)),
            CampaignTerms(eur(goal), model, START, START + timedelta(days=days)),
        )
        return await campaigns.create_campaign(
            cmd, self.author, uow=self.uow(), clock=self.clock, ids=self.ids, currency="EUR"
        )

    async def live(self, **kwargs) -> Campaign:  # type: ignore[no-untyped-def]
        made = await self.draft(**kwargs)
        return await campaigns.submit_campaign(
            made.id, self.author, uow=self.uow(), clock=self.clock, auto_approve=True
        )

    async def tier(
        self, campaign: Campaign, *, minimum: int = 2_500, quantity: int | None = None
    ) -> RewardTier:
        cmd = tiers.TierInput(
            LocalizedText.single("de", "Gutschein"), minimum, RewardKind.VOUCHER, quantity=quantity
        )
        return await tiers.add_tier(campaign.id, cmd, self.author, uow=self.uow(), ids=self.ids)

    async def campaign(self, campaign_id: uuid.UUID) -> Campaign:
        async with self.uow() as uow:
            found = await uow.campaigns.get(campaign_id)
        assert found is not None
        return found

    def status_of(self, campaign_id: uuid.UUID) -> CampaignStatus:
        return self.store.campaigns[campaign_id].status
