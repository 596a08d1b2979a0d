"""The composed adapters one app instance uses, built once from settings."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import redis.asyncio as redis
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.db.directory_reads import SqlDirectoryReads
from adapters.db.directory_uow import SqlDirectoryUnitOfWork
from adapters.db.engine import create_engine, create_session_factory, database_reachable
from adapters.db.funding_names import SqlFundingNames
from adapters.db.funding_reads import SqlFundingReads
from adapters.db.funding_uow import SqlFundingUnitOfWork
from adapters.db.identity_uow import SqlIdentityUnitOfWork
from adapters.db.jobs import SqlJobQueue
from adapters.db.media import SqlMediaUnitOfWork
from adapters.db.remote_push import SqlPushStates
from adapters.db.search import SqlSearchReads
from adapters.db.syndication import SqlChangeReads, SqlSyndicationUnitOfWork
from adapters.db.tenancy import TenantDirectory
from adapters.db.tenancy_uow import SqlTenancyUnitOfWork
from adapters.db.unit_of_work import Outbox
from adapters.db.webhooks import SqlDeliveryQueue, SqlWebhookUnitOfWork
from adapters.images import PillowImageCodec
from adapters.jwt_tokens import (
    JwtAccessTokens,
    JwtDeviceTokens,
    development_key_set,
    key_set_from_json,
)
from adapters.mail import OutboxMailer, SmtpMailer
from adapters.media_storage import LocalMediaStorage, S3MediaStorage
from adapters.oidc import OidcIdTokenVerifier, OidcProviders
from adapters.passwords import Argon2Hasher
from adapters.payments.gateways import TenantGateways
from adapters.rate_limits import RedisLoginThrottle, RedisRateLimiter
from adapters.redis_client import connect_redis, redis_reachable
from adapters.remote_parent import HttpxRemoteParent
from adapters.system import RandomIds, RandomSecrets, SystemClock
from adapters.webhook_http import HttpxWebhookSender, SystemRandomness, SystemResolver
from api.handlers import event_handlers, periodic_jobs
from api.settings import Settings
from api.worker import Worker
from domain.directory.pins import BUSINESS, BusinessPins, DirectoryTaxonomy
from domain.discovery.kinds import DiscoveryKinds
from domain.funding.campaigns import CAMPAIGN
from domain.funding.model import Campaign
from domain.funding.pins import CampaignPins
from domain.identity.model import Principal
from domain.identity.ports import Mailer
from domain.identity.sessions import IdentityPorts, TenantRef
from domain.jobs import subscriptions_of
from domain.media.ports import ImageCodec, ImageLimits, MediaStorage
from domain.syndication import listings
from domain.syndication.remote import PushPorts, RemoteTarget
from domain.syndication.webhook_ports import WebhookPorts
from domain.tenancy.model import MAX_UPLOAD_MB, Feature, SsoSettings, Tenant


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: redis.Redis
    tenant_directory: TenantDirectory
    clock: SystemClock
    ids: RandomIds
    mailer: Mailer
    rate_limiter: RedisRateLimiter
    http: httpx.AsyncClient
    oidc: OidcProviders
    hasher: Argon2Hasher
    outbox: Outbox
    jobs: SqlJobQueue

    # What the API needs of adapters besides ports: only this module imports adapters.

    async def database_reachable(self) -> bool:
        return await database_reachable(self.engine)

    async def redis_reachable(self) -> bool:
        return await redis_reachable(self.redis)

    @cached_property
    def _signing_keys(self) -> KeySet:
        """Read on first use: exporting contracts or running migrations needs no keys."""
        settings = self.settings
        if settings.jwt_private_keys:
            return key_set_from_json(settings.jwt_private_keys)
        return development_key_set(Path(settings.jwt_keys_file))

    @cached_property
    def tokens(self) -> JwtAccessTokens:
        return JwtAccessTokens(self._signing_keys, now=self.clock.now)

    @cached_property
    def identity(self) -> IdentityPorts:
        return IdentityPorts(
            hasher=self.hasher,
            tokens=self.tokens,
            devices=JwtDeviceTokens(self._signing_keys, now=self.clock.now),
            secrets=RandomSecrets(),
            mailer=self.mailer,
            clock=self.clock,
            ids=self.ids,
        )

    @cached_property
    def login_throttle(self) -> RedisLoginThrottle:
        return RedisLoginThrottle(self.rate_limiter)

    # One unit of work per bounded context, each a fresh transaction.

    def tenancy_uow(self) -> SqlTenancyUnitOfWork:
        return SqlTenancyUnitOfWork(self.sessions, outbox=self.outbox)

    def identity_uow(self, tenant_id: UUID | None = None) -> SqlIdentityUnitOfWork:
        """Memberships and API keys (tenant-owned) need the tenant's id."""
        return SqlIdentityUnitOfWork(self.sessions, tenant_id=tenant_id, outbox=self.outbox)

    def directory_uow(self, tenant: Tenant) -> SqlDirectoryUnitOfWork:
        """Its search index stems in each of the tenant's languages."""
        return SqlDirectoryUnitOfWork(
            self.sessions,
            tenant_id=tenant.id,
            outbox=self.outbox,
            locales=tenant.config.locales,
        )

    def media_uow(self, tenant: Tenant) -> SqlMediaUnitOfWork:
        return SqlMediaUnitOfWork(self.sessions, tenant_id=tenant.id, outbox=self.outbox)

    def funding_uow(self, tenant: Tenant) -> SqlFundingUnitOfWork:
        return SqlFundingUnitOfWork(
            self.sessions,
            tenant_id=tenant.id,
            outbox=self.outbox,
            locales=tenant.config.locales,
        )

    def funding_reads(self, tenant: Tenant) -> SqlFundingReads:
        return SqlFundingReads(self.sessions, tenant.id)

    def funding_names(self, tenant: Tenant) -> SqlFundingNames:
        return SqlFundingNames(self.sessions, tenant.id)

    # Syndication: listings of campaigns in other tenants (mirroring), the change feed.

    def syndication_uow(self, tenant: Tenant) -> SqlSyndicationUnitOfWork:
        return SqlSyndicationUnitOfWork(
            self.sessions, tenant_id=tenant.id, outbox=self.outbox, locales=tenant.config.locales
        )

    def change_reads(self, tenant: Tenant) -> SqlChangeReads:
        return SqlChangeReads(self.sessions, tenant.id)

    async def lists_others(self, tenant: Tenant) -> bool:
        """Whether campaigns of other tenants may be listed here (it has child tenants)."""
        tenants = {t.slug: t for t in await self.tenant_directory.all()}
        return bool(listings.descendants(tenant, tenants))

    async def campaign_home(self, tenant: Tenant, campaign_id: UUID) -> Tenant:
        """The tenant a campaign lives on: this one, or the one whose campaign is listed here
        (a pledge through a parent lands on the home's ledger)."""
        if not await self.lists_others(tenant):
            return tenant
        async with self.syndication_uow(tenant) as uow:
            home_id = await uow.listings.home_of(campaign_id)
        home = await self.tenant_directory.by_id(home_id) if home_id else None
        return home or tenant

    async def ledgers(self, tenant: Tenant) -> list[Tenant]:
        """The tenants whose ledgers hold pledges made through this one: itself, and those
        whose campaigns may be listed here."""
        tenants = {t.slug: t for t in await self.tenant_directory.all()}
        below = [
            t
            for t in listings.descendants(tenant, tenants)
            if Feature.CAMPAIGNS in t.config.features
        ]
        return [tenant, *below]

    async def pledge_home(self, tenant: Tenant, pledge_id: UUID, principal: Principal) -> Tenant:
        """The tenant whose ledger holds a pledge its backer made through this one (on a
        campaign listed here); this tenant otherwise. Only the backer is led there: a role
        here is no role at the home."""
        account_id = getattr(principal, "account_id", None)
        if account_id is None or not await self.lists_others(tenant):
            return tenant
        async with self.funding_uow(tenant) as uow:
            if await uow.pledges.get(pledge_id) is not None:
                return tenant
        tenants = {t.slug: t for t in await self.tenant_directory.all()}
        for child in listings.descendants(tenant, tenants):
            async with self.funding_uow(child) as uow:
                found = await uow.pledges.get(pledge_id)
            if found is not None and found.backer_id == account_id:
                return child
        return tenant

    async def campaign_at_home(self, home_tenant_id: UUID, campaign_id: UUID) -> Campaign | None:
        """A campaign read at its home tenant (a listing tenant's moderation needs it)."""
        home = await self.tenant_directory.by_id(home_tenant_id)
        if home is None:
            return None
        return (await self.funding_reads(home).campaigns_by_ids([campaign_id])).get(campaign_id)

    async def home_tenants(
        self, tenant: Tenant, campaigns: Iterable[Campaign]
    ) -> dict[UUID, Tenant]:
        """The home tenants of the mirrored ones among `campaigns`, by id."""
        homes: dict[UUID, Tenant] = {}
        for campaign in campaigns:
            if campaign.tenant_id != tenant.id and campaign.tenant_id not in homes:
                home = await self.tenant_directory.by_id(campaign.tenant_id)
                if home is not None:
                    homes[home.id] = home
        return homes

    def payment_gateways(self, tenant: Tenant) -> TenantGateways:
        """The tenant's payment providers, from its file (secrets from the environment)."""
        return TenantGateways(tenant.config.payments, stripe_api_base=self.settings.stripe_api_base)

    # Remote parents: where each tenant's push stands, and the parent's partner API.

    @cached_property
    def remote_push_states(self) -> SqlPushStates:
        return SqlPushStates(self.sessions)

    @cached_property
    def remote_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(follow_redirects=False)

    def remote_target(self, tenant: Tenant) -> RemoteTarget | None:
        remote = tenant.config.remote_parent
        if remote is None:
            return None
        template = remote.campaign_url or f"{self.tenant_ref(tenant).link_base}/campaigns/{{id}}"
        return RemoteTarget(
            name=f"{remote.base_url.rstrip('/')} {remote.tenant or ''}".strip(),
            platform=(remote.platform or tenant.config.name).strip(),
            campaign_url=template,
        )

    def remote_push_ports(self, tenant: Tenant) -> PushPorts | None:
        """What a push of the tenant's campaigns needs; None without a remote parent. The
        key is read from the environment at each push, so a new key needs no restart."""
        remote = tenant.config.remote_parent
        if remote is None:
            return None
        settings = self.settings
        return PushPorts(
            states=self.remote_push_states,
            changes=self.change_reads(tenant),
            campaigns=self.funding_reads(tenant),
            remote=HttpxRemoteParent(
                self.remote_http,
                base_url=remote.base_url,
                key=os.environ.get(remote.key_env),
                key_env=remote.key_env,
                tenant=remote.tenant,
            ),
            clock=self.clock,
            retry_base=settings.worker_retry_base_seconds,
            retry_cap=settings.remote_push_retry_cap_seconds,
        )

    # Media: the image codec and the store of files.

    @cached_property
    def image_codec(self) -> ImageCodec:
        return PillowImageCodec()

    @cached_property
    def media_storage(self) -> MediaStorage:
        settings = self.settings
        if settings.media_storage == "s3":
            secret = settings.s3_secret_access_key
            return S3MediaStorage(
                bucket=settings.s3_bucket,
                public_base_url=settings.media_public_url or "",
                region=settings.s3_region,
                endpoint_url=settings.s3_endpoint_url,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=secret.get_secret_value() if secret else None,
                key_prefix=settings.s3_key_prefix,
            )
        return LocalMediaStorage(Path(settings.media_dir), settings.media_public_url or "/media")

    @property
    def max_upload_bytes(self) -> int:
        """The deployment's ceiling on one upload; a tenant's own limit may only be lower."""
        return MAX_UPLOAD_MB * 1024 * 1024

    def image_limits(self, tenant: Tenant) -> ImageLimits:
        return ImageLimits(
            max_bytes=min(tenant.config.media.max_upload_mb * 1024 * 1024, self.max_upload_bytes),
            max_pixels=self.settings.max_image_pixels,
        )

    async def local_media_file(self, key: str) -> Path | None:
        """The file the API serves at /media/{key}: only when files are stored locally."""
        storage = self.media_storage
        if isinstance(storage, LocalMediaStorage):
            return await storage.file_path(key)
        return None

    @cached_property
    def worker(self) -> Worker:
        """This process's worker (in-process on the embedded default, or `stadtkern worker`)."""
        settings = self.settings
        worker = Worker(
            self.jobs,
            event_handlers(self),
            periodic_jobs(self),
            now=self.clock.now,
            lease=timedelta(seconds=settings.worker_lease_seconds),
            retry_base=settings.worker_retry_base_seconds,
            retry_cap=settings.worker_retry_cap_seconds,
            poll_interval=settings.worker_poll_seconds,
        )
        self.outbox.on_jobs(worker.wake)
        return worker

    # Outbound webhooks: per-tenant storage, the queue across tenants, the wire.

    def webhooks_uow(self, tenant_id: UUID) -> SqlWebhookUnitOfWork:
        return SqlWebhookUnitOfWork(self.sessions, tenant_id=tenant_id, outbox=self.outbox)

    @cached_property
    def webhook_queue(self) -> SqlDeliveryQueue:
        return SqlDeliveryQueue(self.sessions)

    @cached_property
    def webhook_sender(self) -> HttpxWebhookSender:
        return HttpxWebhookSender()

    @cached_property
    def webhook_ports(self) -> WebhookPorts:
        """Tests replace it (a resolver that answers what they want)."""
        return WebhookPorts(
            resolver=SystemResolver(),
            sender=self.webhook_sender,
            randomness=SystemRandomness(),
            allow_private_targets=self.settings.webhooks_allow_private_targets,
        )

    def directory_reads(self, tenant: Tenant) -> SqlDirectoryReads:
        return SqlDirectoryReads(self.sessions, tenant.id)

    # Discovery: the kinds that capabilities register, and the index they all write.

    @cached_property
    def discovery_kinds(self) -> DiscoveryKinds:
        """Every kind of item that search and the map find, each with its source of pins. A
        capability registers its own here (before the app is made: /v1/search documents the
        kinds), and discovery's code stays as it is."""
        kinds = DiscoveryKinds()
        kinds.register(BUSINESS, self._business_pins)
        kinds.register(CAMPAIGN, self._campaign_pins)
        return kinds

    def _business_pins(self, tenant: Tenant) -> BusinessPins | None:
        if Feature.BUSINESSES not in tenant.config.features:
            return None
        zone = ZoneInfo(tenant.config.timezone)
        return BusinessPins(self.directory_reads(tenant), zone=zone, clock=self.clock)

    def _campaign_pins(self, tenant: Tenant) -> CampaignPins | None:
        if Feature.CAMPAIGNS not in tenant.config.features:
            return None
        return CampaignPins(
            self.funding_reads(tenant),
            self.taxonomy(tenant),
            locale=tenant.config.default_locale,
            clock=self.clock,
        )

    def search_reads(self, tenant: Tenant) -> SqlSearchReads:
        return SqlSearchReads(self.sessions, tenant.id, tenant.config.locales)

    def taxonomy(self, tenant: Tenant) -> DirectoryTaxonomy:
        """The categories search filters by: the directory's."""
        return DirectoryTaxonomy(self.directory_reads(tenant))

    def tenant_ref(self, tenant: Tenant) -> TenantRef:
        """The tenant as identity needs it, with the public URL that links in mails use."""
        config = tenant.config
        host = (
            config.hostnames[0]
            if config.hostnames
            else f"{config.slug}.{self.settings.base_domain}"
        )
        return TenantRef(
            tenant.id,
            tenant.slug,
            (config.app_url or f"https://{host}").rstrip("/"),
            config.locales,
        )

    def id_token_verifier(self, sso: SsoSettings) -> OidcIdTokenVerifier:
        return OidcIdTokenVerifier(
            self.oidc,
            issuer=sso.issuer,
            client_id=sso.client_id,
            now=lambda: int(self.clock.now().timestamp()),
        )

    async def close(self) -> None:
        self.hasher.close()
        await self.http.aclose()
        if "webhook_sender" in self.__dict__:
            await self.webhook_sender.close()
        if "remote_http" in self.__dict__:
            await self.remote_http.aclose()
        await self.redis.aclose()
        await self.engine.dispose()


def build_services(settings: Settings, *, redis_client: redis.Redis | None = None) -> Services:
    """Build every adapter; nothing connects until first use. A Redis client may be given
    (several in-process apps sharing one in-process Redis, as in tests)."""
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    sessions = create_session_factory(engine)
    clock = SystemClock()
    mailer: Mailer = (
        SmtpMailer(settings.smtp_url, settings.mail_from)
        if settings.smtp_url
        else OutboxMailer(
            Path(settings.mail_outbox_dir),
            settings.mail_from,
            log_links=not settings.is_production,
        )
    )
    client = redis_client or connect_redis(settings.redis_url)
    # No redirects: a provider URL must answer itself, never bounce us elsewhere.
    http = httpx.AsyncClient(timeout=5.0, follow_redirects=False)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        redis=client,
        tenant_directory=TenantDirectory(sessions, check_interval=settings.tenant_cache_seconds),
        clock=clock,
        ids=RandomIds(),
        mailer=mailer,
        rate_limiter=RedisRateLimiter(client, prefix=f"{settings.redis_prefix}rl:"),
        http=http,
        oidc=OidcProviders(http),
        hasher=Argon2Hasher(),
        outbox=Outbox(now=clock.now),
        jobs=SqlJobQueue(sessions),
    )
    # Which handlers each event type reaches: the units of work write their jobs on commit.
    services.outbox.subscriptions = subscriptions_of(event_handlers(services))
    return services
