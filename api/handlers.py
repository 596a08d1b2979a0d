"""What the worker runs: the handlers of outbox events and the periodic jobs, wired to the
use cases they call. Capabilities add theirs here."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from domain.identity.mails import MAIL_EVENTS, send_identity_mail
from domain.jobs import Handler, Job, PeriodicJob
from domain.media import uploads
from domain.media.events import MediaDeleted, MediaUploaded

if TYPE_CHECKING:
    from api.services import Services

# Mail keeps trying for about a day (backoff capped at an hour) before it counts as failed.
MAIL_ATTEMPTS = 30
FINISHED_JOBS_KEPT = timedelta(days=7)
# A store that is down for a day still has its deleted files removed when it is back.
REMOVAL_ATTEMPTS = 30


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

    return [
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


def periodic_jobs(services: Services) -> list[PeriodicJob]:
    async def prune_finished_jobs(_job: Job) -> None:
        await services.jobs.prune(services.clock.now() - FINISHED_JOBS_KEPT)

    return [PeriodicJob("jobs.prune", timedelta(hours=1), prune_finished_jobs)]
