"""/v1/search: one full-text search over the items of every registered kind (discovery).

The router is made for the kinds registered (api/services.py, DiscoveryKinds), so `type`
takes, and the contract documents, exactly those: a capability that registers its kind
appears here without an edit."""

# No `from __future__ import annotations`: the route's annotations name the kinds made here,
# which FastAPI could not find by name later.

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from api.deps import CurrentTenant, ServicesDep
from api.problem_catalog import problems
from api.rest.schemas import directory as directory_schemas
from api.rest.schemas import discovery as schemas
from domain.discovery import search as discovery_search
from domain.languages import choose_language


def search_router(kinds: tuple[str, ...]) -> APIRouter:
    router = APIRouter(tags=["map and search"])
    SearchKind = Literal[kinds]  # type: ignore[valid-type]

    @router.get(
        "/v1/search",
        response_model=schemas.SearchResults,
        responses=problems(),
        summary="Full-text search over the tenant's businesses (and later campaigns, events, "
        "posts)",
    )
    async def search_content(
        request: Request,
        tenant: CurrentTenant,
        services: ServicesDep,
        q: Annotated[str, Query(min_length=1, max_length=discovery_search.MAX_QUERY_LENGTH)],
        type: Annotated[
            list[SearchKind] | None,  # type: ignore[valid-type]
            Query(max_length=4, description="Only these kinds of item"),
        ] = None,
        category: directory_schemas.CategoryFilter = None,
        limit: Annotated[int, Query(ge=1, le=discovery_search.MAX_SEARCH_RESULTS)] = 20,
    ) -> schemas.SearchResults:
        language = choose_language(
            request.query_params.get("lang"),
            request.headers.get("accept-language"),
            tenant.config.locales,
        )
        hits = await discovery_search.search(
            q,
            kinds=tuple(type or ()),
            categories=tuple(category or ()),
            known_kinds=services.discovery_kinds.kinds,
            index=services.search_reads(tenant),
            taxonomy=services.taxonomy(tenant),
            language=language,
            limit=limit,
        )
        return schemas.SearchResults(
            query=q,
            items=[
                schemas.SearchHitOut(
                    type=h.kind,
                    id=h.item_id,
                    title=h.title,
                    snippet=h.snippet,
                    rank=h.rank,
                    language=h.language,
                )
                for h in hits
            ],
        )

    return router
