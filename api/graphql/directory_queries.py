"""GraphQL queries of the directory: businesses (a Relay-style connection, and one in full),
the category tree, and for their people, claims and teams. Same query functions, use cases
and policies as REST."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.context import Info
from api.graphql.directory_inputs import BusinessKindEnum
from api.graphql.directory_types import (
    BusinessClaim,
    BusinessConnection,
    BusinessDetail,
    BusinessEdge,
    CategoryNode,
    CategoryRefs,
    ClaimStatusEnum,
    PageInfo,
    TeamMember,
    business_from,
    category_node_from,
    claim_from,
    detail_from,
)
from api.graphql.errors import or_graphql_error
from domain.directory import businesses, categories, queries
from domain.directory.errors import FeatureOff
from domain.directory.model import BusinessKind, ClaimStatus
from domain.directory.ports import BusinessFilter
from domain.tenancy.model import Feature


def require_directory(info: Info) -> None:
    if Feature.BUSINESSES not in info.context.tenant.config.features:
        raise FeatureOff("this tenant has no business directory")


def business_filter(kind, category) -> BusinessFilter:  # type: ignore[no-untyped-def]
    ids, keys = queries.category_refs(category or [])
    return BusinessFilter(
        kinds=tuple(BusinessKind(k.value) for k in kind or ()), category_ids=ids, category_keys=keys
    )


async def _businesses(
    info: Info, first: int, after: str | None, kind, category
) -> BusinessConnection:  # type: ignore[no-untyped-def]
    require_directory(info)
    page = await queries.list_businesses(
        business_filter(kind, category),
        await info.context.principal(),
        reads=info.context.directory_reads(),
        limit=first,
        cursor=after,
    )
    edges = [BusinessEdge(cursor=str(s.id), node=business_from(s, info)) for s in page.items]
    return BusinessConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.next_cursor is not None, end_cursor=page.next_cursor),
    )


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="Businesses by name; `after` takes pageInfo.endCursor")
    async def businesses(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        kind: list[BusinessKindEnum] | None = None,  # type: ignore[valid-type]
        category: CategoryRefs = None,
    ) -> BusinessConnection:
        return await or_graphql_error(_businesses(info, first, after, kind, category))

    @strawberry.field(
        description="One business in full; hidden ones only for their team and moderators"
    )
    async def business(self, info: Info, id: UUID) -> BusinessDetail:
        async def work() -> BusinessDetail:
            require_directory(info)
            view = await businesses.view_business(
                id, await info.context.principal(), uow=info.context.directory_uow()
            )
            return detail_from(view, info)

        return await or_graphql_error(work())

    @strawberry.field(description="The category tree")
    async def categories(self, info: Info) -> list[CategoryNode]:
        async def work() -> list[categories.CategoryNode]:
            require_directory(info)
            return await categories.list_categories(uow=info.context.directory_uow())

        language = info.context.language
        return [category_node_from(n, language) for n in await or_graphql_error(work())]


@strawberry.type
class BusinessPeopleQuery:
    """Claims and teams: the people behind a business. Merged into Query after the discovery
    queries (schema.py), so the published schema keeps its order of fields."""

    @strawberry.field(description="Claims on listings (moderators); pending ones by default")
    async def business_claims(
        self,
        info: Info,
        status: ClaimStatusEnum | None = ClaimStatus.PENDING,  # type: ignore[valid-type]
    ) -> list[BusinessClaim]:
        async def work():  # type: ignore[no-untyped-def]
            require_directory(info)
            return await businesses.list_claims(
                status, await info.context.principal(), uow=info.context.directory_uow()
            )

        return [claim_from(c) for c in await or_graphql_error(work())]

    @strawberry.field(description="Owners and staff of a business (its team and moderators)")
    async def business_team(self, info: Info, id: UUID) -> list[TeamMember]:
        async def work():  # type: ignore[no-untyped-def]
            require_directory(info)
            return await businesses.view_team(
                id, await info.context.principal(), uow=info.context.directory_uow()
            )

        found = await or_graphql_error(work())
        return [TeamMember(account_id=a, display_name=n, role=r) for a, n, r in found]
