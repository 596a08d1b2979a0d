"""The pledges scenario: pledge throughput on one hot campaign, the product's use case against
raw asyncpg running the same statements.

    ./dev bench --scenario pledges [--runs 3]
    .venv/bin/python bench/pledges.py [--pledges 3000] [--backers 64] [--quantity 500] [--runs 3]

A scratch database of its own (`stadtkern_bench_pledges`, dropped afterwards), migrated, one
tenant paying by bank transfer; both sides connect as the app role, so row-level security
binds them. Each run gets a fresh live campaign with a limited reward (`--quantity` units)
and an unlimited one; `--backers` concurrent backers (each a worker taking the next pledge)
make `--pledges` pledges: 30 % ask for the limited reward (more than its stock: the last ones
are refused as sold out), 30 % for the unlimited one, 40 % for none, each with its own
Idempotency-Key.

- stadtkern: `domain.funding.pledges.make_pledge` with `SqlFundingUnitOfWork` (the product's
  engine and pool: 10 connections and 10 more on demand), the tenant's gateways
  (`TenantGateways`: the bank-transfer gateway) and the product's outbox subscriptions: both
  transactions, the pledge stored, then its transfer reference.
- baseline: raw asyncpg (a pool of 20 connections, the product's most) sending the product's
  statements per pledge, as its SQL log shows them (SQLAlchemy's echo): BEGIN; the tenant's
  set_config; the Idempotency-Key looked up; the campaign and the reward read; the
  conditional campaign UPDATE; the reward's claim; the pledge INSERT; the key INSERT (ON
  CONFLICT DO NOTHING); the outbox INSERT; COMMIT; then BEGIN; set_config; the pledge read;
  its UPDATE with the transfer reference (in a SAVEPOINT: a reference drawn twice is drawn
  again); COMMIT. The pure parts are shared (the request's fingerprint, the transfer
  reference, the event's payload), so the ratio measures the layers: use case, entities,
  unit of work, SQLAlchemy.

Every pledge of the campaign holds its row lock from the conditional UPDATE to COMMIT, so
what happens in that window (the claim, three INSERTs, COMMIT, and the Python between them)
sets the throughput while the pledges queue for the lock.

The sides alternate (the order reversed every other run, the last run's rows vacuumed and
checkpointed first), after a warm-up, each on a fresh campaign; pledges/s is pledges made
(sold-out refusals not counted) over the run's wall time; latency is per pledge, both
transactions. After every run the database is checked: no reward oversold (claimed equals
the pledges holding it, at most the stock), every pledge with its reference, key and event,
the totals equal to the sum of the counted pledges; then every transfer is marked received
by the product's use case and the totals are checked again. Printed beside pledges/s: CPU
time of this process per attempt (the sides run one at a time) and errors, pledges that
raised (what a backer would get as a 5xx: the product's pool gives up after 10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import campaign_data

from adapters.db import tables  # noqa: F401 (every table known: the outbox's keys resolve)
from adapters.db.engine import create_engine, create_session_factory
from adapters.db.funding_uow import SqlFundingUnitOfWork
from adapters.db.unit_of_work import Outbox
from adapters.payments.bank_transfer import new_reference
from adapters.payments.gateways import TenantGateways
from adapters.system import RandomIds, SystemClock
from api.handlers import event_handlers
from domain.funding.errors import RewardSoldOut
from domain.funding.events import PledgeMade
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
from domain.funding.pledges import PledgeInput, make_pledge, mark_transfers_received
from domain.identity.model import Person, Role
from domain.jobs import subscriptions_of
from domain.languages import LocalizedText
from domain.tenancy.model import PaymentSettings

SCENARIO = "pledges"
DATABASE = "stadtkern_bench_pledges"
SLUG = "bench-pledges"
PAYMENTS = PaymentSettings(bank_account_holder="Bench e.V.", bank_iban="DE89370400440532013000")
PRODUCT = "stadtkern (make_pledge, SqlFundingUnitOfWork)"
BASELINE = "baseline (asyncpg, the same statements)"
POOL = 20  # the product's engine: 10 connections and 10 more on demand


@dataclass(frozen=True)
class Planned:
    backer: uuid.UUID
    key: str
    amount: int
    reward: str | None  # "limited", "unlimited" or None


@dataclass(frozen=True)
class Shop:
    """One run's campaign and its rewards."""

    tenant_id: uuid.UUID
    campaign: Campaign
    limited: RewardTier
    unlimited: RewardTier

    def tier(self, reward: str | None) -> uuid.UUID | None:
        return {"limited": self.limited.id, "unlimited": self.unlimited.id}.get(reward or "")


@dataclass
class Run:
    seconds: float
    cpu_seconds: float = 0.0  # of this process (every side runs in it), during the run
    latencies: list[float] = field(default_factory=list)  # every attempt's, both transactions
    made: int = 0
    sold_out: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # by type: a pledge that failed

    @property
    def rate(self) -> float:
        return self.made / self.seconds


def plan(count: int, seed: int) -> list[Planned]:
    rng = random.Random(seed)
    planned = []
    for _ in range(count):
        roll = rng.random()
        reward = "limited" if roll < 0.3 else "unlimited" if roll < 0.6 else None
        minimum = {"limited": 2_500, "unlimited": 1_000}.get(reward or "", 100)
        amount = minimum + rng.randrange(0, 20) * 500
        planned.append(Planned(uuid.uuid4(), uuid.uuid4().hex, amount, reward))
    return planned


# Setup ------------------------------------------------------------------------------------


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-q", "-c", sql], check=True, capture_output=True)


def prepare_database(server_url: str, app_role: str, stadtkern: Path) -> tuple[str, str]:
    """A migrated database with the tenant; returns (owner URL, app role URL) for asyncpg."""
    base = server_url.rsplit("/", 1)[0]
    owner_url = f"{base}/{DATABASE}"
    scheme, _, rest = base.partition("://")
    app_url = f"{scheme}://{app_role}@{rest.rpartition('@')[2]}/{DATABASE}"
    _psql(server_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    _psql(server_url, f'CREATE DATABASE "{DATABASE}"')
    _psql(
        server_url,
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app_role}') "
        f"THEN CREATE ROLE {app_role} LOGIN; END IF; END $$",
    )
    env = {
        **os.environ,
        "STADTKERN_LOG_LEVEL": "WARNING",
        "STADTKERN_DATABASE_URL": owner_url.replace("postgresql://", "postgresql+asyncpg://", 1),
    }
    for args in (["db", "upgrade", "--grant-to", app_role], ["tenants", "apply"]):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / f"{SLUG}.toml").write_text(campaign_data.tenant_file(SLUG))
            extra = [tmp] if args[0] == "tenants" else []
            subprocess.run(
                [str(stadtkern), *args, *extra], check=True, env=env, capture_output=True
            )
    return owner_url, app_url


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


async def open_shop(sessions: Any, tenant_id: uuid.UUID, quantity: int) -> Shop:
    """A live campaign that started an hour ago, with its two rewards, through the
    product's repositories."""
    now = datetime.now(UTC)
    campaign = Campaign(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        owner_id=None,
        content=CampaignContent(title=LocalizedText.of({"de": "Ein Dorfladen für alle"})),
        terms=CampaignTerms(
            goal=Money(5_000_000, "EUR"),
            funding_model=FundingModel.ALL_OR_NOTHING,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=30),
        ),
        created_at=now,
        updated_at=now,
        status=CampaignStatus.LIVE,
    )

    def reward(minimum: int, stock: int | None) -> RewardTier:
        return RewardTier(
            id=uuid.uuid4(),
            campaign_id=campaign.id,
            title=LocalizedText.of({"de": f"Dank ab {minimum // 100} Euro"}),
            minimum=Money(minimum, "EUR"),
            kind=RewardKind.VOUCHER,
            quantity=stock,
        )

    shop = Shop(tenant_id, campaign, reward(2_500, quantity), reward(1_000, None))
    async with SqlFundingUnitOfWork(sessions, tenant_id=tenant_id) as uow:
        await uow.campaigns.add(campaign)
        await uow.tiers.add(shop.limited)
        await uow.tiers.add(shop.unlimited)
        await uow.commit()
    return shop


# The two sides ------------------------------------------------------------------------------

Pledge = Callable[[Shop, Planned], Awaitable[bool]]  # True: made; False: sold out


def product_pledge(sessions: Any) -> Pledge:
    outbox = Outbox(subscriptions_of(event_handlers(None)))  # type: ignore[arg-type]
    gateways = TenantGateways(PAYMENTS)
    clock, ids = SystemClock(), RandomIds()

    async def pledge(shop: Shop, p: Planned) -> bool:
        uow = SqlFundingUnitOfWork(
            sessions, tenant_id=shop.tenant_id, outbox=outbox, locales=("de", "en")
        )
        try:
            await make_pledge(
                PledgeInput(shop.campaign.id, Money(p.amount, "EUR"), shop.tier(p.reward)),
                Person(shop.tenant_id, p.backer, Role.MEMBER),
                idempotency_key=p.key,
                uow=uow,
                gateways=gateways,
                clock=clock,
                ids=ids,
            )
        except RewardSoldOut:
            return False
        return True

    return pledge


PLEDGE_COLUMNS = (
    "tenant_id, id, campaign_id, backer_id, tier_id, currency, amount, refunded, anonymous, "
    "status, provider, payment_reference, client_secret, customer_ref, method_ref, "
    "charge_ref, charge_attempts, next_charge_at, retry_until, created_at, updated_at, version"
)
CAMPAIGN_COLUMNS = (
    "tenant_id, id, owner_id, partner_key_id, business_id, status, title, summary, "
    "description, search_text, image_ids, category_id, lat, lon, currency, goal, minimum, "
    "funding_model, starts_at, ends_at, pledged_amount, backer_count, first_pledge_at, "
    "created_at, updated_at, version"
)
TIER_COLUMNS = (
    "tenant_id, id, campaign_id, title, description, currency, minimum, kind, quantity, "
    "claimed, estimated_delivery"
)
TZ = "TIMESTAMP WITH TIME ZONE"
# The product's statements as its SQL log shows them (SQLAlchemy's echo), in their order.
SQL = {
    "tenant": "SELECT set_config('app.tenant_id', $1, true)",
    "key": "SELECT fingerprint, resource_id FROM idempotency_keys "
    "WHERE tenant_id = $1::UUID AND scope = $2::VARCHAR AND key = $3::VARCHAR",
    "campaign": f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns "
    "WHERE tenant_id = $1::UUID AND id = $2::UUID",
    "tier": f"SELECT {TIER_COLUMNS} FROM reward_tiers WHERE tenant_id = $1::UUID AND id = $2::UUID",
    "open": f"UPDATE campaigns SET first_pledge_at = coalesce(first_pledge_at, $1::{TZ}), "
    "version = (version + CASE WHEN (first_pledge_at IS NULL) THEN $2::INTEGER "
    "ELSE $3::INTEGER END) WHERE tenant_id = $4::UUID AND id = $5::UUID "
    f"AND status = $6::VARCHAR AND starts_at <= $1::{TZ} AND ends_at > $1::{TZ}",
    "claim": "UPDATE reward_tiers SET claimed = (claimed + $1::INTEGER) "
    "WHERE tenant_id = $2::UUID AND id = $3::UUID AND campaign_id = $4::UUID "
    "AND (quantity IS NULL OR claimed + $5::INTEGER <= quantity)",
    "pledge": f"INSERT INTO pledges ({PLEDGE_COLUMNS}) VALUES ($1::UUID, $2::UUID, $3::UUID, "
    "$4::UUID, $5::UUID, $6::VARCHAR, $7::BIGINT, $8::BIGINT, $9::BOOLEAN, $10::VARCHAR, "
    "$11::VARCHAR, $12::VARCHAR, $13::VARCHAR, $14::VARCHAR, $15::VARCHAR, $16::VARCHAR, "
    f"$17::INTEGER, $18::{TZ}, $19::{TZ}, $20::{TZ}, $21::{TZ}, $22::INTEGER)",
    "stored": "INSERT INTO idempotency_keys (tenant_id, scope, key, fingerprint, resource_id, "
    f"created_at) VALUES ($1::UUID, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::UUID, $6::{TZ}) "
    "ON CONFLICT DO NOTHING RETURNING idempotency_keys.key",
    "event": "INSERT INTO outbox (event_id, tenant_id, event_type, payload, occurred_at) "
    f"VALUES ($1::UUID, $2::UUID, $3::VARCHAR, $4::JSONB, $5::{TZ}) RETURNING outbox.id",
    "read": f"SELECT {PLEDGE_COLUMNS} FROM pledges WHERE tenant_id = $1::UUID AND id = $2::UUID",
    "start": "UPDATE pledges SET tier_id = $1::UUID, currency = $2::VARCHAR, amount = $3::BIGINT, "
    "refunded = $4::BIGINT, anonymous = $5::BOOLEAN, status = $6::VARCHAR, "
    "provider = $7::VARCHAR, payment_reference = $8::VARCHAR, client_secret = $9::VARCHAR, "
    "customer_ref = $10::VARCHAR, method_ref = $11::VARCHAR, charge_ref = $12::VARCHAR, "
    f"charge_attempts = $13::INTEGER, next_charge_at = $14::{TZ}, retry_until = $15::{TZ}, "
    f"lease_until = $16::{TZ}, updated_at = $17::{TZ}, version = $18::INTEGER "
    "WHERE tenant_id = $19::UUID AND id = $20::UUID AND version = $21::INTEGER",
}


def raw_pledge(pool: asyncpg.Pool) -> Pledge:
    """The product's statements on asyncpg."""

    async def begin(conn: asyncpg.Connection, tenant: str) -> None:
        await conn.execute("BEGIN")
        await conn.fetchval(SQL["tenant"], tenant)

    async def guarded(conn: asyncpg.Connection, sql: str, *args: Any) -> None:
        """A statement that may break a unique key (the transfer reference), in a savepoint
        as the product runs it."""
        await conn.execute("SAVEPOINT sa_savepoint_1")
        await conn.execute(sql, *args)
        await conn.execute("RELEASE SAVEPOINT sa_savepoint_1")

    async def pledge(shop: Shop, p: Planned) -> bool:
        tenant, tenant_text = shop.tenant_id, str(shop.tenant_id)
        campaign_id, tier_id = shop.campaign.id, shop.tier(p.reward)
        scope = f"pledge:{p.backer}"
        fingerprint = PledgeInput(campaign_id, Money(p.amount, "EUR"), tier_id).fingerprint()
        pledge_id, now = uuid.uuid4(), datetime.now(UTC)
        async with pool.acquire() as conn:
            await begin(conn, tenant_text)
            try:
                if await conn.fetchrow(SQL["key"], tenant, scope, p.key) is not None:
                    raise RuntimeError("a fresh key was found")
                found = await conn.fetchrow(SQL["campaign"], tenant, campaign_id)
                if found is None or found["status"] != "live":
                    raise RuntimeError("the campaign is gone")
                if tier_id is not None:
                    tier = await conn.fetchrow(SQL["tier"], tenant, tier_id)
                    if tier is None or p.amount < tier["minimum"]:
                        raise RuntimeError("the reward is gone")
                opened = await conn.execute(SQL["open"], now, 1, 0, tenant, campaign_id, "live")
                if opened != "UPDATE 1":
                    raise RuntimeError("the campaign closed")
                if tier_id is not None:
                    claimed = await conn.execute(SQL["claim"], 1, tenant, tier_id, campaign_id, 1)
                    if claimed != "UPDATE 1":
                        await conn.execute("ROLLBACK")
                        return False
                await conn.execute(
                    SQL["pledge"], tenant, pledge_id, campaign_id, p.backer, tier_id, "EUR",
                    p.amount, None, False, "pending", "bank_transfer", "", "", "", "", "", 0, None,
                    None, now, now, 1,
                )  # fmt: skip
                stored = await conn.fetchval(
                    SQL["stored"], tenant, scope, p.key, fingerprint, pledge_id, now
                )
                if stored is None:
                    raise RuntimeError("a fresh key was taken")
                event = PledgeMade(tenant_id=tenant, pledge_id=pledge_id, campaign_id=campaign_id)
                await conn.fetchval(
                    SQL["event"], uuid.uuid4(), tenant, event.event_type,
                    json.dumps(event.payload()), now,
                )  # fmt: skip
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
        reference = new_reference()  # the gateway's start, between the transactions
        async with pool.acquire() as conn:
            await begin(conn, tenant_text)
            try:
                current = await conn.fetchrow(SQL["read"], tenant, pledge_id)
                if current is None or current["payment_reference"]:
                    raise RuntimeError("the pledge is gone or started")
                later = datetime.now(UTC)
                await guarded(
                    conn, SQL["start"], tier_id, "EUR", p.amount, None, False, "pending",
                    "bank_transfer", reference, "", "", "", "", 0, None, None, None, later, 2,
                    tenant, pledge_id, 1,
                )  # fmt: skip
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
        return True

    return pledge


# Driving, checking ------------------------------------------------------------------------


async def drive(pledge: Pledge, shop: Shop, planned: list[Planned], backers: int) -> Run:
    """`backers` workers, each making the next planned pledge until none is left."""
    queue: Iterator[Planned] = iter(planned)
    run = Run(0.0)

    async def backer() -> None:
        for p in queue:
            # The next pledge arrives as a new request would: after what was ready ran (a
            # worker taking its next pledge at once would take back the pooled connection
            # it just returned, ahead of every backer waiting for one).
            await asyncio.sleep(0)
            started = time.perf_counter()
            try:
                made = await pledge(shop, p)
            except Exception as error:  # what a backer would get as a 5xx
                name = type(error).__name__
                run.errors[name] = run.errors.get(name, 0) + 1
                continue
            finally:
                run.latencies.append(time.perf_counter() - started)
            if made:
                run.made += 1
            else:
                run.sold_out += 1

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(backer() for _ in range(backers)))
    run.seconds = time.perf_counter() - started
    run.cpu_seconds = time.process_time() - cpu
    return run


CHECK = """
SELECT
  (SELECT claimed FROM reward_tiers WHERE id = $2) AS limited_claimed,
  (SELECT quantity FROM reward_tiers WHERE id = $2) AS limited_quantity,
  (SELECT count(*) FROM pledges WHERE campaign_id = $1 AND tier_id = $2
     AND status IN ('pending', 'secured', 'captured')) AS limited_held,
  (SELECT claimed FROM reward_tiers WHERE id = $3) AS unlimited_claimed,
  (SELECT count(*) FROM pledges WHERE campaign_id = $1 AND tier_id = $3
     AND status IN ('pending', 'secured', 'captured')) AS unlimited_held,
  (SELECT count(*) FROM pledges WHERE campaign_id = $1) AS pledges,
  (SELECT count(*) FROM pledges WHERE campaign_id = $1 AND payment_reference LIKE 'SK-%'
     AND version >= 2) AS started,
  (SELECT count(*) FROM idempotency_keys k JOIN pledges p
     ON p.tenant_id = k.tenant_id AND p.id = k.resource_id WHERE p.campaign_id = $1) AS keys,
  (SELECT count(*) FROM outbox WHERE event_type = 'funding.pledge_made'
     AND payload->>'campaign_id' = $1::text) AS events,
  (SELECT coalesce(sum(CASE WHEN status = 'secured' THEN amount
                            WHEN status = 'captured' THEN amount - coalesce(refunded, 0)
                            ELSE 0 END), 0)
     FROM pledges WHERE campaign_id = $1) AS counted_amount,
  (SELECT count(*) FROM pledges WHERE campaign_id = $1 AND (status = 'secured'
     OR status = 'captured' AND amount - coalesce(refunded, 0) > 0)) AS counted_backers,
  c.pledged_amount, c.backer_count
FROM campaigns c WHERE c.id = $1
"""


async def check(owner: asyncpg.Connection, shop: Shop, run: Run, *, captured: bool) -> str:
    """What a run left behind, as the tables' owner (every tenant): raises on a broken rule."""
    r = await owner.fetchrow(CHECK, shop.campaign.id, shop.limited.id, shop.unlimited.id)
    problems = []
    if not r["limited_claimed"] == r["limited_held"] <= r["limited_quantity"]:
        problems.append(f"limited reward: {r['limited_claimed']} claimed, {r['limited_held']} held")
    if r["unlimited_claimed"] != r["unlimited_held"]:
        problems.append(f"unlimited reward: {r['unlimited_claimed']} claimed")
    if not r["pledges"] == r["started"] == r["keys"] == r["events"] == run.made:
        problems.append(
            f"{run.made} made: {r['pledges']} stored, {r['started']} with a reference, "
            f"{r['keys']} keys, {r['events']} events"
        )
    if (r["pledged_amount"], r["backer_count"]) != (r["counted_amount"], r["counted_backers"]):
        problems.append(
            f"totals {r['pledged_amount']} / {r['backer_count']} backers, counted pledges "
            f"{r['counted_amount']} / {r['counted_backers']}"
        )
    if captured and r["counted_backers"] != run.made:
        problems.append(f"{r['counted_backers']} of {run.made} captured")
    if problems:
        raise SystemExit("bench: " + "; ".join(problems))
    return (
        f"{r['limited_claimed']}/{r['limited_quantity']} limited claimed, 0 oversold, "
        f"totals {r['pledged_amount']:,} = counted pledges"
    )


async def capture_all(sessions: Any, owner: asyncpg.Connection, shop: Shop) -> None:
    """Every transfer of the run marked received, by the product's use case."""
    references = [
        r["payment_reference"]
        for r in await owner.fetch(
            "SELECT payment_reference FROM pledges WHERE campaign_id = $1", shop.campaign.id
        )
    ]
    admin = Person(shop.tenant_id, uuid.uuid4(), Role.ADMIN)
    uow = SqlFundingUnitOfWork(sessions, tenant_id=shop.tenant_id)
    report = await mark_transfers_received(references, admin, uow=uow, clock=SystemClock())
    if len(report.received) != len(references):
        raise SystemExit(f"bench: {len(report.received)} of {len(references)} captured")


async def settle_down(owner: asyncpg.Connection) -> None:
    """Before each run: the last run's dead rows vacuumed and its writes checkpointed (as the
    tables' owner), so no side pays for the cleaning up after another."""
    await owner.execute("VACUUM ANALYZE campaigns, reward_tiers, pledges, idempotency_keys, outbox")
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):  # not a superuser
        await owner.execute("CHECKPOINT")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(args: argparse.Namespace, owner_url: str, app_url: str) -> None:
    engine = create_engine(sqlalchemy_url(app_url))  # the product's pool
    sessions = create_session_factory(engine)
    owner = await asyncpg.connect(owner_url)
    pool = await asyncpg.create_pool(app_url, min_size=POOL // 2, max_size=POOL)
    try:
        tenant_id = await owner.fetchval("SELECT id FROM tenants WHERE slug = $1", SLUG)
        sides: dict[str, Pledge] = {
            BASELINE: raw_pledge(pool),
            PRODUCT: product_pledge(sessions),
        }
        for pledge in sides.values():  # warm-up: pools, prepared statements, caches
            shop = await open_shop(sessions, tenant_id, args.quantity)
            await drive(pledge, shop, plan(min(args.pledges, 500), seed=0), args.backers)
        runs: dict[str, list[Run]] = {name: [] for name in sides}
        order = list(sides)
        for number in range(args.runs):  # alternate, so drift hits every side alike
            for name in order if number % 2 == 0 else reversed(order):
                await settle_down(owner)
                pledge = sides[name]
                shop = await open_shop(sessions, tenant_id, args.quantity)
                run = await drive(pledge, shop, plan(args.pledges, seed=number + 1), args.backers)
                runs[name].append(run)
                checked = await check(owner, shop, run, captured=False)
                await capture_all(sessions, owner, shop)
                await check(owner, shop, run, captured=True)
                errors = ", ".join(f"{n} {kind}" for kind, n in run.errors.items()) or "no"
                print(
                    f"  run {number + 1}, {name}: {run.rate:,.0f} pledges/s ({run.made:,} made, "
                    f"{run.sold_out:,} sold out, {errors} errors); {checked}; after capture "
                    "the totals are the counted pledges again"
                )
    finally:
        await pool.close()
        await owner.close()
        await engine.dispose()
    report(args, runs)


def report(args: argparse.Namespace, runs: dict[str, list[Run]]) -> None:
    print(
        f"\n## {SCENARIO}: {args.pledges:,} pledges by {args.backers} concurrent backers on one "
        f"live campaign (a reward of {args.quantity} units, an unlimited one, none), bank "
        "transfer, both transactions"
    )
    print(f"median of {args.runs} alternating run(s); latency per pledge over all runs\n")
    print("| side | pledges/s | p50 ms | p99 ms | CPU ms per pledge | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    rates = {}
    for name, results in runs.items():
        rates[name] = statistics.median(r.rate for r in results)
        latencies = [x for r in results for x in r.latencies]
        cpu = statistics.median(r.cpu_seconds / (r.made + r.sold_out) for r in results)
        errors = sum(n for r in results for n in r.errors.values())
        print(
            f"| {name} | {rates[name]:,.0f} | {percentile(latencies, 0.5) * 1000:.0f} | "
            f"{percentile(latencies, 0.99) * 1000:.0f} | {cpu * 1000:.1f} | {errors} |"
        )
    print()
    print(f"ratio stadtkern/baseline: {rates[PRODUCT] / rates[BASELINE]:.2f}x pledges/s")
    for name, results in runs.items():
        print(f"{name} runs: " + ", ".join(f"{r.rate:,.0f}" for r in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pledges", type=int, default=3_000, help="per run and side")
    parser.add_argument("--backers", type=int, default=64, help="pledging at the same time")
    parser.add_argument("--quantity", type=int, default=500, help="the limited reward's stock")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a database of the server to create the bench database next to",
    )
    parser.add_argument("--app-role", default="stadtkern_bench_app")
    parser.add_argument("--keep", action="store_true", help="leave the database for a look")
    args = parser.parse_args()
    stadtkern = Path(sys.executable).parent / "stadtkern"
    owner_url, app_url = prepare_database(args.server, args.app_role, stadtkern)
    try:
        asyncio.run(measure(args, owner_url, app_url))
    finally:
        if not args.keep:
            _psql(args.server, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
