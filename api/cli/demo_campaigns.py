"""Demo campaigns for the demo tenants that run campaigns: one live, one that succeeded and
one that failed, each with reward tiers and pledges, so a frontend team sees a full campaign
page from the first `serve`. Made through the use cases (pledges by bank transfer, received
by an operator; the ended ones on a clock set back, then settled), once per tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from api.services import Services
from domain.funding import campaigns, pledges, settlement, tiers
from domain.funding.model import CampaignContent, CampaignTerms, FundingModel, Money, RewardKind
from domain.funding.ports import CampaignFilter, CampaignSort
from domain.geo import GeoPoint
from domain.identity.model import Account, Membership, Person, Role
from domain.languages import LocalizedText
from domain.tenancy.model import Feature, Tenant

_NAMESPACE = UUID("5f0c7a52-3c1e-4c55-9a8e-6d3b0c1f2a10")


class _ShiftedClock:
    """The system clock moved back by `days`: campaigns that ended were once live."""

    def __init__(self, services: Services, days: int) -> None:
        self._services = services
        self._offset = timedelta(days=days)

    def now(self) -> datetime:
        return self._services.clock.now() - self._offset


@dataclass(frozen=True)
class DemoCampaign:
    title: tuple[str, str]  # de, en
    summary: tuple[str, str]
    goal: int  # euros
    model: FundingModel
    days_ago: int  # when it started
    runs: int  # days
    pledged: tuple[int, ...]  # euros per backer, received by transfer
    waiting: int = 0  # pledges whose transfer is on its way


DEMO = (
    DemoCampaign(
        ("Dorfladen Wiesental", "Wiesental village shop"),
        (
            "Ein Laden mit Café für das ganze Dorf: regional, genossenschaftlich, offen.",
            "A shop with a café for the whole village: regional, cooperative, open.",
        ),
        goal=12_000,
        model=FundingModel.ALL_OR_NOTHING,
        days_ago=10,
        runs=40,
        pledged=(250, 100, 50, 500, 25, 75),
        waiting=2,
    ),
    DemoCampaign(
        ("Lastenrad für die Tafel", "A cargo bike for the food bank"),
        (
            "Die Tafel holt Spenden künftig emissionsfrei ab.",
            "The food bank will collect donations emission-free.",
        ),
        goal=3_000,
        model=FundingModel.ALL_OR_NOTHING,
        days_ago=60,
        runs=30,
        pledged=(1_000, 800, 750, 500, 250),
    ),
    DemoCampaign(
        ("Sommerkino am Hafen", "Summer cinema at the harbour"),
        (
            "Open-Air-Kino an fünf Abenden im August.",
            "Open-air cinema on five evenings in August.",
        ),
        goal=20_000,
        model=FundingModel.ALL_OR_NOTHING,
        days_ago=70,
        runs=30,
        pledged=(100, 50, 250),
    ),
)
TIERS = (
    (("Danke-Postkarte", "Thank-you postcard"), 15, RewardKind.THANKS, None),
    (("Gutschein über 50 €", "50 € voucher"), 50, RewardKind.VOUCHER, 40),
    (("Ein Abend für zwei", "An evening for two"), 100, RewardKind.EXPERIENCE, 10),
)


def _texts(pair: tuple[str, str], locales: tuple[str, ...]) -> LocalizedText:
    by_locale = {"de": pair[0], "en": pair[1]}
    found = {loc: by_locale[loc[:2]] for loc in locales if loc[:2] in by_locale}
    return LocalizedText.of(found or {locales[0]: pair[0]})


async def _person(services: Services, tenant: Tenant, name: str, role: Role) -> Person:
    """A demo account (no password: it cannot sign in), member of the tenant."""
    account_id = uuid5(_NAMESPACE, f"{tenant.slug}:{name}")
    now = services.clock.now()
    async with services.identity_uow(tenant.id) as uow:
        if await uow.accounts.get(account_id) is None:
            email = f"{name.lower().replace(' ', '.')}@{tenant.slug}.demo.invalid"
            await uow.accounts.add(Account(account_id, email, name, None, now))
            await uow.memberships.add(Membership(tenant.id, account_id, role, now))
            await uow.commit()
    return Person(tenant.id, account_id, role)


async def _seed_one(services: Services, tenant: Tenant, demo: DemoCampaign, index: int) -> None:
    locales = tenant.config.locales
    currency = tenant.config.currency
    clock = _ShiftedClock(services, demo.days_ago)
    starts = clock.now()
    author = await _person(services, tenant, "Demo Initiative", Role.MEMBER)
    operator = Person(tenant.id, uuid5(_NAMESPACE, "operator"), Role.ADMIN, is_operator=True)
    uow = lambda: services.funding_uow(tenant)  # noqa: E731
    gateways = services.payment_gateways(tenant)
    made = await campaigns.create_campaign(
        campaigns.CampaignInput(
            CampaignContent(
                title=_texts(demo.title, locales),
                summary=_texts(demo.summary, locales),
                description=_texts(demo.summary, locales),
                location=GeoPoint(53.55 + index * 0.01, 9.99 + index * 0.01),
            ),
            CampaignTerms(
                Money(demo.goal * 100, currency),
                demo.model,
                starts,
                starts + timedelta(days=demo.runs),
            ),
        ),
        author,
        uow=uow(),
        clock=clock,
        ids=services.ids,
        currency=currency,
    )
    made_tiers = []
    for title, minimum, kind, quantity in TIERS:
        made_tiers.append(
            await tiers.add_tier(
                made.id,
                tiers.TierInput(_texts(title, locales), minimum * 100, kind, quantity=quantity),
                author,
                uow=uow(),
                ids=services.ids,
            )
        )
    await campaigns.submit_campaign(made.id, author, uow=uow(), clock=clock, auto_approve=True)
    amounts = [(euros, True) for euros in demo.pledged] + [(30, False)] * demo.waiting
    references = []
    for number, (euros, paid) in enumerate(amounts):
        backer = await _person(services, tenant, f"Demo Backer {number + 1}", Role.MEMBER)
        tier = next((t for t in reversed(made_tiers) if t.minimum.amount <= euros * 100), None)
        pledge = await pledges.make_pledge(
            pledges.PledgeInput(
                made.id, Money(euros * 100, currency), tier.id if tier else None, number == 2
            ),
            backer,
            idempotency_key=f"demo-{made.id}-{number}",
            uow=uow(),
            gateways=gateways,
            clock=clock,
            ids=services.ids,
        )
        if paid:
            references.append(pledge.payment_reference)
    if references:
        await pledges.mark_transfers_received(references, operator, uow=uow(), clock=clock)


async def seed_demo_campaigns(services: Services, tenant: Tenant) -> int:
    """The demo campaigns of one tenant, unless it has campaigns already; how many made."""
    if Feature.CAMPAIGNS not in tenant.config.features:
        return 0
    operator = Person(tenant.id, uuid5(_NAMESPACE, "operator"), Role.ADMIN, is_operator=True)
    existing = await campaigns.list_campaigns(
        CampaignFilter(),
        CampaignSort.NEWEST,
        operator,
        reads=services.funding_reads(tenant),
        limit=1,
        cursor=None,
    )
    if existing.items:
        return 0
    for index, demo in enumerate(DEMO):
        await _seed_one(services, tenant, demo, index)
    # The ended ones are decided (and the failed one's transfers refunded) as the worker would.
    await settlement.settle(
        uow=services.funding_uow(tenant),
        gateways=services.payment_gateways(tenant),
        clock=services.clock,
        ids=services.ids,
    )
    return len(DEMO)
