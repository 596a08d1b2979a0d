"""Funding's DataLoaders: a campaign's reward tiers, the names of the people and businesses
behind campaigns, campaigns by id (a pledge's) and the images campaigns show, each loaded for a
whole page at once (one statement per relation, whatever the page's length). Each is made once
per request by `GraphQLContext.loader`; they answer domain objects, and the types in
funding_types.py turn them into GraphQL's."""

from __future__ import annotations

from contextlib import suppress
from uuid import UUID

from api.graphql.context import GraphQLContext
from domain.funding.model import Campaign, RewardTier
from domain.media.model import Media

REWARD_TIERS = "funding.reward_tiers"
CAMPAIGNS = "funding.campaigns"
PEOPLE = "funding.people"
BUSINESSES = "funding.businesses"
IMAGES = "funding.images"


async def load_reward_tiers(context: GraphQLContext, ids: list[UUID]) -> list[list[RewardTier]]:
    found = await context.funding_reads().tiers_of(ids)
    return [found.get(i, []) for i in ids]


async def load_campaigns(context: GraphQLContext, ids: list[UUID]) -> list[Campaign | None]:
    """Without any check of who may see them: the caller applies the campaign's policy."""
    found = await context.funding_reads().campaigns_by_ids(ids)
    return [found.get(i) for i in ids]


async def load_people(context: GraphQLContext, ids: list[UUID]) -> list[str | None]:
    """Display names of members of the tenant; None for an account that is not one."""
    found = await context.funding_names().people(ids)
    return [found.get(i) for i in ids]


async def load_businesses(context: GraphQLContext, ids: list[UUID]) -> list[str | None]:
    found = await context.funding_names().businesses(ids)
    return [found.get(i) for i in ids]


async def load_images(context: GraphQLContext, ids: list[UUID]) -> list[Media | None]:
    """Uploaded images by id; None for one deleted meanwhile."""
    async with context.services.media_uow(context.tenant) as uow:
        found = {m.id: m for m in await uow.media.get_many(ids)}
    return [found.get(i) for i in ids]


def forget_campaign(context: GraphQLContext, campaign_id: UUID) -> None:
    """A mutation changed the campaign: later fields of the same request read it again."""
    for loader in (
        context.loader(REWARD_TIERS, load_reward_tiers),
        context.loader(CAMPAIGNS, load_campaigns),
    ):
        # Strawberry's DataLoader.clear raises KeyError for a key it never loaded.
        with suppress(KeyError):
            loader.clear(campaign_id)
