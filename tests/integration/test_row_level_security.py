"""PostgreSQL row-level security: the second wall between tenants. The API connects as a
role that owns no table and is no superuser, so the policies bind it."""

import asyncio
import uuid
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from adapters.db import migrate
from adapters.db.directory_uow import SqlDirectoryUnitOfWork
from adapters.db.engine import create_engine, create_session_factory
from adapters.db.identity_uow import SqlIdentityUnitOfWork
from adapters.db.search import SqlSearchReads
from adapters.db.tenancy_uow import SqlTenancyUnitOfWork
from domain.directory import businesses, categories, imports
from domain.directory.model import BusinessKind, BusinessProfile
from domain.identity.model import Account, Membership, Person, Role
from domain.tenancy.model import CategorySeed
from domain.tenancy.onboarding import ApplyTenantConfigs, SourcedConfig, apply_tenant_configs
from tests.conftest import create_scratch_database, drop_scratch_database, on_postgres
from tests.factories import tenant_config
from tests.fakes import FixedClock, SequentialIds

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="row-level security is a PostgreSQL feature"
)
APP_ROLE = "stadtkern_rls_app"


@pytest.fixture
async def app_sessions():  # type: ignore[no-untyped-def]
    owner_url = await create_scratch_database("rls")
    owner = create_engine(owner_url)
    async with owner.begin() as conn:
        exists = await conn.scalar(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
        )
        if not exists:
            await conn.exec_driver_sql(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
    await migrate.upgrade(owner)
    await migrate.grant_to_app_role(owner, APP_ROLE)
    app_url = make_url(owner_url).set(username=APP_ROLE).render_as_string(hide_password=False)
    app = create_engine(app_url)
    yield create_session_factory(app)
    await app.dispose()
    await owner.dispose()
    await drop_scratch_database(owner_url)


def german_uow(app_sessions, tenant_id: uuid.UUID) -> SqlDirectoryUnitOfWork:  # type: ignore[no-untyped-def]
    return SqlDirectoryUnitOfWork(app_sessions, tenant_id=tenant_id, locales=("de",))


async def two_tenants(app_sessions, ids, clock) -> dict[str, uuid.UUID]:  # type: ignore[no-untyped-def]
    """Tenants `aa` and `bb`, applied as the API's role; their ids by slug."""
    await apply_tenant_configs(
        ApplyTenantConfigs(tuple(SourcedConfig("t", tenant_config(s)) for s in ("aa", "bb"))),
        uow=SqlTenancyUnitOfWork(app_sessions),
        ids=ids,
        clock=clock,
    )
    async with SqlTenancyUnitOfWork(app_sessions) as uow:
        return {t.slug: t.id for t in await uow.tenants.list_all()}


async def test_each_tenant_sees_only_its_own_rows(app_sessions):
    ids, clock = SequentialIds(), FixedClock()
    tenants = await two_tenants(app_sessions, ids, clock)
    account = Account(uuid.uuid4(), "ada@example.org", "Ada", None, clock.now())
    async with SqlIdentityUnitOfWork(app_sessions) as uow:
        await uow.accounts.add(account)
        await uow.commit()
    for slug in ("aa", "bb"):
        async with SqlIdentityUnitOfWork(app_sessions, tenant_id=tenants[slug]) as uow:
            await uow.memberships.add(
                Membership(tenants[slug], account.id, Role.MEMBER, clock.now())
            )
            await uow.commit()

    async with SqlIdentityUnitOfWork(app_sessions, tenant_id=tenants["aa"]) as uow:
        # Even a raw query without a tenant filter sees one tenant's rows only.
        rows = (await uow.session.execute(text("SELECT tenant_id FROM memberships"))).all()
        assert [r[0] for r in rows] == [tenants["aa"]]

    async with SqlIdentityUnitOfWork(app_sessions) as uow:  # no tenant set in this transaction
        count = await uow.session.scalar(text("SELECT count(*) FROM memberships"))
        assert count == 0


async def test_writing_a_row_for_another_tenant_is_refused(app_sessions):
    ids, clock = SequentialIds(), FixedClock()
    tenants = await two_tenants(app_sessions, ids, clock)
    async with SqlIdentityUnitOfWork(app_sessions) as uow:
        account = Account(uuid.uuid4(), "eve@example.org", "Eve", None, clock.now())
        await uow.accounts.add(account)
        await uow.commit()
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with SqlIdentityUnitOfWork(app_sessions, tenant_id=tenants["aa"]) as uow:
            await uow.session.execute(
                text(
                    "INSERT INTO memberships (tenant_id, account_id, role, created_at) "
                    "VALUES (:t, :a, 'admin', now())"
                ),
                {"t": tenants["bb"], "a": account.id},
            )


async def test_the_tenant_setting_ends_with_its_transaction(app_sessions):
    tenant = uuid.uuid4()
    async with SqlIdentityUnitOfWork(app_sessions, tenant_id=tenant) as uow:
        assert await uow.session.scalar(
            text("SELECT current_setting('app.tenant_id', true)")
        ) == str(tenant)
    async with SqlIdentityUnitOfWork(app_sessions) as uow:
        leftover = await uow.session.scalar(text("SELECT current_setting('app.tenant_id', true)"))
        assert leftover in (None, "")


async def test_every_table_with_a_tenant_column_is_behind_a_policy(app_sessions):
    async with SqlIdentityUnitOfWork(app_sessions) as uow:
        unguarded = (
            await uow.session.execute(
                text(
                    "SELECT c.relname FROM pg_class c "
                    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' "
                    "WHERE c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
                )
            )
        ).all()
        guarded = await uow.session.scalar(
            text("SELECT count(*) FROM pg_policies WHERE policyname = 'tenant_isolation'")
        )
    assert sorted(r[0] for r in unguarded) == sorted(OUTSIDE_ANY_TENANT)
    assert guarded >= 9


# Tables with a tenant column that are read before a tenant is known, or by an unguessable key:
# the hostname registry (which tenant is this Host?), and tokens found by their hash. A new
# tenant-owned table missing its policy fails the test above.
# And the worker's job queue, which every worker reads across tenants: it holds ids only, and
# a job's event is read from the outbox (behind the policy) in a transaction of its tenant.
# Likewise the queue of due webhook deliveries (ids only, each delivery read in its tenant)
# and the remote pushes' bookkeeping (a cursor and a lease per tenant; the feed it follows is
# read in a transaction of the tenant).
OUTSIDE_ANY_TENANT = (
    "tenant_hostnames",
    "one_time_tokens",
    "refresh_tokens",
    "jobs",
    "webhook_queue",
    "remote_push_state",
)


async def test_the_directory_and_its_search_index_stay_within_the_tenant(app_sessions):
    ids, clock = SequentialIds(), FixedClock()
    tenants = await two_tenants(app_sessions, ids, clock)
    for slug in ("aa", "bb"):
        uow = german_uow(app_sessions, tenants[slug])
        await categories.seed_categories((CategorySeed("food", "Essen"),), uow=uow, ids=ids)
        uow = german_uow(app_sessions, tenants[slug])
        async with uow:
            food = (await uow.categories.list())[0].id
        await businesses.register_business(
            businesses.RegisterBusiness(
                BusinessProfile(f"Bäckerei {slug}", BusinessKind.GASTRONOMY, category_ids=(food,))
            ),
            Person(tenants[slug], uuid.uuid4(), Role.MODERATOR),
            uow=german_uow(app_sessions, tenants[slug]),
            clock=clock,
            ids=ids,
        )
    async with SqlIdentityUnitOfWork(app_sessions, tenant_id=tenants["aa"]) as uow:
        for table in ("categories", "businesses", "business_categories", "search_entries"):
            seen = (await uow.session.execute(text(f"SELECT tenant_id FROM {table}"))).all()
            assert {r[0] for r in seen} == {tenants["aa"]}, table
    hits = await SqlSearchReads(app_sessions, tenants["aa"], ("de",)).search(
        "Bäckerei", kinds=("business",), category_ids=(), language="de", limit=10
    )
    assert [h.title for h in hits] == ["Bäckerei aa"]


async def test_bulk_imports_of_the_same_external_ids_stay_within_each_tenant(app_sessions):
    ids, clock = SequentialIds(), FixedClock()
    tenants = await two_tenants(app_sessions, ids, clock)

    async def load(slug: str, name: str) -> imports.ImportReport:
        uow = german_uow(app_sessions, tenants[slug])
        await categories.seed_categories((CategorySeed("food", "Essen"),), uow=uow, ids=ids)
        rows = [
            imports.ImportedBusiness(
                f"ext-{i}", BusinessProfile(f"{name} {slug} {i}", BusinessKind.RETAIL), ("food",)
            )
            for i in range(3)
        ]
        return await imports.import_businesses(
            rows,
            uow=german_uow(app_sessions, tenants[slug]),
            clock=clock,
            ids=ids,
        )

    for slug in ("aa", "bb"):
        assert (await load(slug, "Laden")).created == 3
    assert (await load("aa", "Geschäft")).updated == 3
    async with SqlIdentityUnitOfWork(app_sessions, tenant_id=tenants["aa"]) as uow:
        names = (await uow.session.execute(text("SELECT name FROM businesses"))).scalars().all()
        assert sorted(names) == [f"Geschäft aa {i}" for i in range(3)]
    hits = await SqlSearchReads(app_sessions, tenants["bb"], ("de",)).search(
        "Laden", kinds=("business",), category_ids=(), language="de", limit=10
    )
    assert sorted(h.title for h in hits) == [f"Laden bb {i}" for i in range(3)]


async def test_the_worker_reads_each_event_in_a_transaction_of_its_tenant(app_sessions):
    """As the API's role: the outbox is behind its policy, and the worker still gets every
    tenant's events, each read with that tenant set; a transaction without one sees none."""
    from datetime import timedelta

    from adapters.db.jobs import SqlJobQueue
    from adapters.db.unit_of_work import Outbox
    from domain.identity.events import AccountSignedUp
    from domain.jobs import Subscription

    ids, clock = SequentialIds(), FixedClock()
    tenants = await two_tenants(app_sessions, ids, clock)
    outbox = Outbox({AccountSignedUp.event_type: (Subscription("test.mail", 3),)}, now=clock.now)
    for slug in ("aa", "bb"):
        async with SqlIdentityUnitOfWork(
            app_sessions, tenant_id=tenants[slug], outbox=outbox
        ) as uow:
            uow.record(
                AccountSignedUp(
                    tenant_id=tenants[slug], account_id=uuid.uuid4(), email=f"{slug}@x.example"
                )
            )
            await uow.commit()
    async with SqlTenancyUnitOfWork(app_sessions) as uow:
        assert await uow.session.scalar(text("SELECT count(*) FROM outbox")) == 0
    jobs = await SqlJobQueue(app_sessions).claim(
        "w", limit=10, now=clock.now() + timedelta(seconds=1), lease=timedelta(minutes=1)
    )
    assert sorted(j.event.email for j in jobs) == ["aa@x.example", "bb@x.example"]
    assert all(j.event.tenant_id == j.tenant_id for j in jobs)


async def test_funding_stays_within_the_tenant(app_sessions):
    """As the API's role: a tenant's campaigns, tiers, pledges, refunds, keys and events are
    invisible to another, even to a raw query or a write that names the row's id."""
    from datetime import timedelta

    from adapters.db.funding_reads import SqlFundingReads
    from adapters.db.funding_uow import SqlFundingUnitOfWork
    from domain.funding.model import PledgeStatus, Refund
    from domain.funding.ports import CampaignFilter, CampaignSort, StoredRequest
    from tests.contracts.funding_entities import campaign, eur, pledge, tier

    ids, clock = SequentialIds(), FixedClock()
    tenants = await two_tenants(app_sessions, ids, clock)
    made = {}
    for slug in ("aa", "bb"):
        run = campaign(tenants[slug], starts_at=clock.now(), ends_at=clock.now() + timedelta(9))
        reward = tier(run.id, quantity=5)
        paid = pledge(run.id, tier_id=reward.id, status=PledgeStatus.CAPTURED)
        async with SqlFundingUnitOfWork(app_sessions, tenant_id=tenants[slug]) as uow:
            await uow.campaigns.add(run)
            await uow.tiers.add(reward)
            await uow.pledges.add(replace(paid, payment_reference=f"SK-{slug}"))
            await uow.refunds.add(
                Refund(uuid.uuid4(), paid.id, run.id, eur(100), clock.now(), None)
            )
            await uow.idempotency.add("s", "k", StoredRequest("f", paid.id), clock.now())
            assert await uow.payment_events.first_time("stripe", "evt_1", clock.now())
            await uow.commit()
        made[slug] = (run, reward, paid)
    tables = ("campaigns", "reward_tiers", "pledges", "refunds", "idempotency_keys")
    run, reward, paid = made["bb"]
    async with SqlFundingUnitOfWork(app_sessions, tenant_id=tenants["aa"]) as uow:
        for table in (*tables, "payment_events"):
            seen = (await uow.session.execute(text(f"SELECT tenant_id FROM {table}"))).all()
            assert {r[0] for r in seen} == {tenants["aa"]}, table
        assert await uow.campaigns.get(run.id) is None
        assert await uow.tiers.claim(reward.id, run.id) is False
        assert await uow.pledges.by_reference("bank_transfer", "SK-bb") is None
        moved = await uow.session.execute(
            text("UPDATE reward_tiers SET claimed = claimed + 1 WHERE id = :id"), {"id": reward.id}
        )
        assert moved.rowcount == 0
    page = await SqlFundingReads(app_sessions, tenants["aa"]).list_campaigns(
        CampaignFilter(), CampaignSort.NEWEST, limit=10, cursor=None
    )
    assert [c.id for c in page.items] == [made["aa"][0].id]


async def test_a_parent_reads_only_what_is_listed_in_it_and_writes_none_of_it(app_sessions):
    """Mirroring publishes on purpose: as the API's role, tenant `aa` (the parent) reads a
    campaign of `bb`, its tiers and its public events while the campaign is listed in `aa`,
    and nothing of it once the listing is hidden; never its pledges, never a write."""
    from datetime import timedelta

    from adapters.db.funding_reads import SqlFundingReads
    from adapters.db.funding_uow import SqlFundingUnitOfWork
    from adapters.db.syndication import SqlChangeReads, SqlSyndicationUnitOfWork
    from domain.funding.events import CampaignChanged, PledgeChargeFailed
    from domain.funding.model import PledgeStatus
    from domain.funding.ports import CampaignFilter, CampaignSort
    from domain.syndication.feed import SYNDICATED
    from domain.syndication.listings import Listing, ListingStatus
    from tests.contracts.funding_entities import campaign, pledge, tier

    ids, clock = SequentialIds(), FixedClock()
    tenants = await two_tenants(app_sessions, ids, clock)
    parent, child = tenants["aa"], tenants["bb"]
    run = campaign(child, starts_at=clock.now(), ends_at=clock.now() + timedelta(9))
    reward = tier(run.id, quantity=5)
    async with SqlFundingUnitOfWork(app_sessions, tenant_id=child) as uow:
        await uow.campaigns.add(run)
        await uow.tiers.add(reward)
        await uow.pledges.add(
            replace(pledge(run.id, status=PledgeStatus.CAPTURED), payment_reference="SK-1")
        )
        uow.record(CampaignChanged(tenant_id=child, campaign_id=run.id))
        uow.record(
            PledgeChargeFailed(
                tenant_id=child,
                pledge_id=uuid.uuid4(),
                campaign_id=run.id,
                backer_id=uuid.uuid4(),
                attempt=1,
                retry_until=clock.now(),
                reason="declined",
            )
        )
        await uow.commit()
    reads = SqlFundingReads(app_sessions, parent)

    async def seen_by_parent() -> tuple:
        page = await reads.list_campaigns(
            CampaignFilter(), CampaignSort.NEWEST, limit=10, cursor=None
        )
        async with SqlFundingUnitOfWork(app_sessions, tenant_id=parent) as uow:
            raw = (await uow.session.execute(text("SELECT id FROM campaigns"))).scalars().all()
            tiers = (await uow.session.execute(text("SELECT id FROM reward_tiers"))).all()
            pledges = (await uow.session.execute(text("SELECT id FROM pledges"))).all()
            events = (await uow.session.execute(text("SELECT event_type FROM outbox"))).all()
        return [c.id for c in page.items], list(raw), len(tiers), len(pledges), events

    assert await seen_by_parent() == ([], [], 0, 0, [])
    # A listing row for `bb`'s campaign, written in `aa` (as the worker does).
    async with SqlSyndicationUnitOfWork(app_sessions, tenant_id=parent) as uow:
        await uow.listings.put(
            Listing(parent, run.id, child, ListingStatus.LISTED, clock.now(), clock.now())
        )
        await uow.commit()
    listed, raw, tiers, pledges, events = await seen_by_parent()
    assert listed == raw == [run.id] and tiers == 1 and pledges == 0
    # Only the events about what anyone may see: not the backer's failed charge.
    assert [e[0] for e in events] == ["funding.campaign_changed"]
    feed = SqlChangeReads(app_sessions, parent)
    for _ in range(200):  # shown once older transactions in the cluster ended
        changes = await feed.changes(list(SYNDICATED), None, limit=9)
        if changes:
            break
        await asyncio.sleep(0.05)
    assert [c.event_type for c in changes] == ["funding.campaign_changed"]
    async with SqlFundingUnitOfWork(app_sessions, tenant_id=parent) as uow:
        assert await uow.campaigns.get(run.id) is None  # the ledger's reads stay at home
        moved = await uow.session.execute(
            text("UPDATE campaigns SET pledged_amount = 1 WHERE id = :id"), {"id": run.id}
        )
        assert moved.rowcount == 0
        with pytest.raises(ProgrammingError):
            await uow.session.execute(
                text(
                    "INSERT INTO campaign_listings (tenant_id, campaign_id, home_tenant_id, "
                    "status, created_at, updated_at) VALUES (:t, :c, :h, 'listed', now(), now())"
                ),
                {"t": child, "c": run.id, "h": child},
            )
    # The child sees where its campaign is listed, and cannot change that listing.
    async with SqlSyndicationUnitOfWork(app_sessions, tenant_id=child) as uow:
        assert await uow.listings.places_of(run.id) == [parent]
        hidden = await uow.session.execute(
            text("UPDATE campaign_listings SET status = 'listed' WHERE campaign_id = :c"),
            {"c": run.id},
        )
        assert hidden.rowcount == 0
    # Cancelled at home, still listed (the worker has not run): nothing of it but its events.
    async with SqlFundingUnitOfWork(app_sessions, tenant_id=child) as uow:
        await uow.session.execute(
            text("UPDATE campaigns SET status = 'cancelled' WHERE id = :id"), {"id": run.id}
        )
        await uow.commit()
    listed, raw, tiers, pledges, _ = await seen_by_parent()
    assert (listed, raw, tiers, pledges) == ([], [], 0, 0)
    async with SqlSyndicationUnitOfWork(app_sessions, tenant_id=parent) as uow:
        await uow.listings.put(
            Listing(parent, run.id, child, ListingStatus.HIDDEN, clock.now(), clock.now())
        )
        await uow.commit()
    assert await seen_by_parent() == ([], [], 0, 0, [])
