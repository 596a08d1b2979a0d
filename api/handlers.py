"""What the worker runs: the handlers of outbox events and the periodic jobs, wired to the
use cases they call. Capabilities add theirs here."""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from domain.funding import settlement
from domain.funding.events import (
    CampaignChanged,
    CampaignCreated,
    CampaignDeleted,
    CampaignStatusChanged,
    PledgeChargeFailed,
)
from domain.funding.mails import charge_failed_mail
from domain.identity.mails import MAIL_EVENTS, send_identity_mail
from domain.jobs import Handler, Job, PeriodicJob
from domain.media import uploads
from domain.media.events import MediaDeleted, MediaUploaded
from domain.syndication import listings, remote, webhook_delivery
from domain.syndication.webhook_events import source_event_types
from domain.tenancy.model import Feature, Tenant

if TYPE_CHECKING:
    from api.services import Services

# Mail keeps trying for about a day (backoff capped at an hour) before it counts as failed.
log = logging.getLogger("stadtkern.worker")
MAIL_ATTEMPTS = 30
FINISHED_JOBS_KEPT = timedelta(days=7)
# A store that is down for a day still has its deleted files removed when it is back.
REMOVAL_ATTEMPTS = 30
# Campaigns are decided within a minute of their end; charges and releases follow.
SETTLEMENT_EVERY = timedelta(minutes=1)
# Webhooks: the fan-out sends at once; this picks up retries (the first after about 10 s).
WEBHOOK_DELIVERY_EVERY = timedelta(seconds=10)
WEBHOOK_LEASE = timedelta(seconds=60)  # well beyond one send's 10 s timeout


def event_handlers(services: Services) -> list[Handler]:
    async def send_mail(job: Job) -> None:
        if job.event is None or job.tenant_id is None:
            return  # its tenant (and with it the event) is gone: nobody to write to
        tenant = await services.tenant_directory.by_id(job.tenant_id)
        if tenant is None:
            return
        await send_identity_mail(
            job.event,  # type: ignore[arg-type]
            services.tenant_ref(tenant),
            key=job.key,
            uow=services.identity_uow(tenant.id),
            ports=services.identity,
        )

    async def make_variants(job: Job) -> None:
        event = job.event
        if not isinstance(event, MediaUploaded):
            return
        tenant = await services.tenant_directory.by_id(event.tenant_id)
        if tenant is None:
            return
        await uploads.make_variants(
            event.media_id,
            uow=services.media_uow(tenant),
            codec=services.image_codec,
            storage=services.media_storage,
        )

    async def remove_files(job: Job) -> None:
        # The keys are in the event: this runs even when the tenant is gone meanwhile.
        if isinstance(job.event, MediaDeleted):
            await uploads.remove_files(job.event.keys, storage=services.media_storage)

    async def tell_backer_charge_failed(job: Job) -> None:
        event = job.event
        if not isinstance(event, PledgeChargeFailed):
            return
        tenant = await services.tenant_directory.by_id(event.tenant_id)
        if tenant is None:
            return
        async with services.identity_uow(tenant.id) as uow:
            account = await uow.accounts.get(event.backer_id)
        if account is None:
            return  # erased meanwhile: nobody to tell
        ref = services.tenant_ref(tenant)
        mail = charge_failed_mail(event, account, locales=ref.locales, link_base=ref.link_base)
        await services.mailer.send(dataclasses.replace(mail, key=job.key))

    async def fan_out_webhooks(job: Job) -> None:
        if job.event is None or job.tenant_id is None:
            return
        added = await webhook_delivery.fan_out(
            job.event,
            source_key=job.key,
            uow=services.webhooks_uow(job.tenant_id),
            clock=services.clock,
            ids=services.ids,
        )
        if added:
            try:  # right away rather than at the next periodic run
                await deliver_webhooks(services)
            except Exception:
                log.exception("sending webhooks after a fan-out failed; the next run retries")

    async def update_listings(job: Job) -> None:
        event = job.event
        if isinstance(event, CAMPAIGN_CHANGES):
            home = await services.tenant_directory.by_id(event.tenant_id)
            if home is not None and home.config.parent:
                await relist(services, home, [event.campaign_id])

    return [
        Handler(
            "syndication.listings", tuple(e.event_type for e in CAMPAIGN_CHANGES), update_listings
        ),
        Handler(
            "webhooks.fan_out", source_event_types(), fan_out_webhooks, max_attempts=MAIL_ATTEMPTS
        ),
        Handler(
            "funding.charge_failed_mail",
            (PledgeChargeFailed.event_type,),
            tell_backer_charge_failed,
            max_attempts=MAIL_ATTEMPTS,
        ),
        Handler("media.variants", (MediaUploaded.event_type,), make_variants, max_attempts=8),
        Handler(
            "media.files", (MediaDeleted.event_type,), remove_files, max_attempts=REMOVAL_ATTEMPTS
        ),
        Handler(
            "identity.mail",
            tuple(event.event_type for event in MAIL_EVENTS),
            send_mail,
            max_attempts=MAIL_ATTEMPTS,
        ),
    ]


# What may change where a campaign is listed (its status) or what a listing shows.
CAMPAIGN_CHANGES = (CampaignCreated, CampaignChanged, CampaignStatusChanged, CampaignDeleted)


async def relist(services: Services, home: Tenant, campaign_ids: list[UUID]) -> int:
    """Bring the listings of these campaigns of `home` in line with the tenant tree."""
    tenants = {t.slug: t for t in await services.tenant_directory.all()}
    return await listings.reconcile_campaigns(
        campaign_ids,
        home,
        tenants,
        reads=services.funding_reads(home),
        units=services.syndication_uow,
        clock=services.clock,
    )


async def relist_tenant(services: Services, home: Tenant) -> int:
    """Every public campaign of `home`, after a change of the tenant tree."""
    tenants = {t.slug: t for t in await services.tenant_directory.all()}
    return await listings.reconcile_home(
        home,
        tenants,
        reads=services.funding_reads(home),
        units=services.syndication_uow,
        clock=services.clock,
    )


async def settle_all_tenants(services: Services) -> dict[str, settlement.SettlementReport]:
    """One settlement run over every tenant that runs campaigns (the worker's job and the
    operators' CLI command): safe while other workers run it too."""
    reports = {}
    for tenant in await services.tenant_directory.all():
        if Feature.CAMPAIGNS not in tenant.config.features:
            continue
        try:
            reports[tenant.slug] = await settlement.settle(
                uow=services.funding_uow(tenant),
                gateways=services.payment_gateways(tenant),
                clock=services.clock,
                ids=services.ids,
            )
        except Exception:
            # One tenant's fault never holds up the others' settlement.
            log.exception("settlement of tenant %s failed", tenant.slug)
            reports[tenant.slug] = settlement.SettlementReport(errors=1)
    return reports


async def deliver_webhooks(services: Services) -> int:
    """Send the due webhook deliveries of every tenant (the worker's job, and tests)."""
    return await webhook_delivery.deliver_due(
        worker=f"{socket.gethostname()}:{os.getpid()}:{services.ids.new_id().hex[:8]}",
        queue=services.webhook_queue,
        uow_for=services.webhooks_uow,
        ports=services.webhook_ports,
        clock=services.clock,
        lease=WEBHOOK_LEASE,
    )


async def push_to_remote_parents(
    services: Services, *, only: str | None = None
) -> dict[str, remote.PushReport]:
    """One push run for every tenant with a remote parent (or the one named): the worker's
    job and `stadtkern sync push`. Safe while other workers run it: a tenant's push is held
    by one worker at a time, and one tenant's fault holds up no other."""
    reports = {}
    worker = f"{socket.gethostname()}:{os.getpid()}:{services.ids.new_id().hex[:8]}"[-80:]
    for tenant in await services.tenant_directory.all():
        target = services.remote_target(tenant)
        ports = services.remote_push_ports(tenant)
        if target is None or ports is None or only not in (None, tenant.slug):
            continue
        try:
            reports[tenant.slug] = await remote.push_to_remote(
                tenant.id, target, worker=worker, ports=ports
            )
        except Exception:
            log.exception("the push of tenant %s to its remote parent failed", tenant.slug)
            reports[tenant.slug] = remote.PushReport(claimed=True, error="failed; see the log")
    return reports


def periodic_jobs(services: Services) -> list[PeriodicJob]:
    async def prune_finished_jobs(_job: Job) -> None:
        await services.jobs.prune(services.clock.now() - FINISHED_JOBS_KEPT)

    async def settle_campaigns(_job: Job) -> None:
        await settle_all_tenants(services)

    async def send_webhooks(_job: Job) -> None:
        await deliver_webhooks(services)

    async def push_to_remotes(_job: Job) -> None:
        await push_to_remote_parents(services)

    return [
        PeriodicJob("jobs.prune", timedelta(hours=1), prune_finished_jobs),
        PeriodicJob("funding.settle", SETTLEMENT_EVERY, settle_campaigns),
        PeriodicJob("webhooks.deliver", WEBHOOK_DELIVERY_EVERY, send_webhooks),
        PeriodicJob(
            "syndication.remote_push",
            timedelta(seconds=services.settings.remote_push_seconds),
            push_to_remotes,
        ),
    ]
