"""The directory's DataLoaders: a business's categories and current offers, loaded for every
business of a page at once (one statement per relation, whatever the page's length). Each is
made once per request by `GraphQLContext.loader`; they answer domain objects, and the types
in directory_types.py turn them into GraphQL's."""

from __future__ import annotations

from uuid import UUID

from api.graphql.context import GraphQLContext
from domain.directory import queries
from domain.directory.model import Category, Offer


async def load_categories(context: GraphQLContext, ids: list[UUID]) -> list[list[Category]]:
    found = await context.directory_reads().categories_of(list(ids))
    return [found.get(i, []) for i in ids]


async def load_current_offers(context: GraphQLContext, ids: list[UUID]) -> list[list[Offer]]:
    page = await context.directory_reads().current_offers(
        context.services.clock.now(),
        business_ids=list(ids),
        limit=queries.MAX_PAGE * 5,
        cursor=None,
    )
    by_business: dict[UUID, list[Offer]] = {i: [] for i in ids}
    for offer in page.items:
        by_business[offer.business_id].append(offer)
    return [by_business[i] for i in ids]
