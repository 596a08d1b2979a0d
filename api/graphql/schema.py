"""The GraphQL schema, merged from each context's query (and later mutation) types.

A new capability adds its types to QUERY_PARTS / MUTATION_PARTS; the wiring stays as it is.
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.tools import merge_types

from api.graphql.context import build_context
from api.graphql.tenancy import TenancyQuery

QUERY_PARTS: tuple[type, ...] = (TenancyQuery,)
MUTATION_PARTS: tuple[type, ...] = ()

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000


def build_schema(*, mask_errors: bool) -> strawberry.Schema:
    extensions: list = [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    if mask_errors:
        extensions.append(MaskErrors)
    query = merge_types("Query", QUERY_PARTS)
    mutation = merge_types("Mutation", MUTATION_PARTS) if MUTATION_PARTS else None
    return strawberry.Schema(query=query, mutation=mutation, extensions=extensions)


def build_graphql_router(*, mask_errors: bool) -> GraphQLRouter:
    # No GraphiQL: it loads its assets from a third-party CDN. No GET: no mutations via links.
    return GraphQLRouter(
        build_schema(mask_errors=mask_errors),
        graphql_ide=None,
        allow_queries_via_get=False,
        context_getter=build_context,
        include_in_schema=False,
    )
