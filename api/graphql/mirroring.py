"""What a campaign shows in GraphQL when it is listed here from another tenant (mirroring)
or is a partner platform's: its home tenant, its origin, and its images read at home."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.context import Info
from domain.media.model import Media


@strawberry.type(description="The tenant a mirrored campaign lives on, to credit it")
class HomeTenant:
    slug: str
    name: str
    hostname: str | None = strawberry.field(description="Its first own hostname")
    app_name: str
    logo_url: str | None
    primary_color: str


@strawberry.type(
    description="A partner platform's campaign: not on this ledger, backers pledge at pledgeUrl"
)
class CampaignOrigin:
    external_id: str
    platform: str
    pledge_url: str


async def home_tenant_of(home_tenant_id: UUID, info: Info) -> HomeTenant | None:
    """None for the request's own tenant (or a home gone meanwhile)."""
    if home_tenant_id == info.context.tenant.id:
        return None
    home = await info.context.services.tenant_directory.by_id(home_tenant_id)
    if home is None:
        return None
    config = home.config
    return HomeTenant(
        slug=config.slug,
        name=config.name,
        hostname=config.hostnames[0] if config.hostnames else None,
        app_name=config.branding.app_name,
        logo_url=config.branding.logo_url,
        primary_color=str(config.branding.colors.primary),
    )


async def images_at_home(home_tenant_id: UUID, image_ids: list[UUID], info: Info) -> list[Media]:
    """A listed campaign's images, read at its home (the tenant's loader reads its own)."""
    services = info.context.services
    home = await services.tenant_directory.by_id(home_tenant_id)
    if home is None:
        return []
    async with services.media_uow(home) as uow:
        by_id = {m.id: m for m in await uow.media.get_many(image_ids)}
    return [by_id[i] for i in image_ids if i in by_id]
