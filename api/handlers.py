"""What the worker runs: the handlers of outbox events and the periodic jobs, wired to the
use cases they call. Capabilities add theirs here."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from domain.funding import settlement
from domain.funding.events import PledgeChargeFailed
from domain.funding.mails import charge_failed_mail
from domain.identity.mails import MAIL_EVENTS, send_identity_mail
from domain.jobs import Handler, Job, PeriodicJob
from domain.media import uploads
from domain.media.events import MediaDeleted, MediaUploaded
from domain.tenancy.model import Feature

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

    return [
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


def periodic_jobs(services: Services) -> list[PeriodicJob]:
    async def prune_finished_jobs(_job: Job) -> None:
        await services.jobs.prune(services.clock.now() - FINISHED_JOBS_KEPT)

    async def settle_campaigns(_job: Job) -> None:
        await settle_all_tenants(services)

    return [
        PeriodicJob("jobs.prune", timedelta(hours=1), prune_finished_jobs),
        PeriodicJob("funding.settle", SETTLEMENT_EVERY, settle_campaigns),
    ]
