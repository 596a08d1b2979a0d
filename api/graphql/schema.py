"""The GraphQL schema, merged from each context's query (and later mutation) types.

A new capability adds its types to QUERY_PARTS / MUTATION_PARTS; the wiring stays as it is.
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from cross_web import HTTPException as GraphQLHTTPError
from graphql import GraphQLError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from api.graphql.context import build_context
from api.graphql.directory_mutations import DirectoryMutation
from api.graphql.directory_queries import BusinessPeopleQuery, DirectoryQuery
from api.graphql.discovery import DiscoveryQuery
from api.graphql.errors import ErrorCodes
from api.graphql.funding_mutations import FundingMutation
from api.graphql.funding_queries import FundingQuery
from api.graphql.funding_types import SCALARS as FUNDING_SCALARS
from api.graphql.identity import IdentityMutation, IdentityQuery
from api.graphql.media import MediaMutation, MediaQuery
from api.graphql.syndication import SyndicationMutation, SyndicationQuery
from api.graphql.tenancy import SCALARS as TENANCY_SCALARS
from api.graphql.tenancy import TenancyQuery
from api.graphql.webhooks import WebhookMutation, WebhookQuery

log = logging.getLogger("stadtkern.graphql")

# Their fields appear in this order in the schema (openapi/schema.graphql).
QUERY_PARTS: tuple[type, ...] = (
    TenancyQuery,
    IdentityQuery,
    DirectoryQuery,
    DiscoveryQuery,
    BusinessPeopleQuery,
    MediaQuery,
    FundingQuery,
    WebhookQuery,
    SyndicationQuery,
)
MUTATION_PARTS: tuple[type, ...] = (
    IdentityMutation,
    DirectoryMutation,
    MediaMutation,
    FundingMutation,
    WebhookMutation,
    SyndicationMutation,
)
SCALARS = {**TENANCY_SCALARS, **FUNDING_SCALARS}

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000


class StadtkernSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Strawberry would log every error; ErrorCodes logs our own faults, and bad documents
        are the client's business."""


MAX_JSON_PART = 64 * 1024  # the `operations` and `map` parts of an upload


class ProblemGraphQLRouter(GraphQLRouter):
    """Refusals at the HTTP level (GET, malformed JSON) become problem documents like REST's."""

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        try:
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                # Parsed (and cached for strawberry) with our limits: one file, a few fields.
                await request.form(max_files=1, max_fields=10, max_part_size=MAX_JSON_PART)
            return await super().run(request, context=context, root_value=root_value)
        except MultiPartException as exc:
            raise HTTPException(400, f"The form cannot be read: {exc.message}") from None
        except GraphQLHTTPError as exc:
            raise HTTPException(exc.status_code, exc.reason) from None
        except RecursionError:  # JSON nested deeper than the parser goes
            raise HTTPException(400, "The request body is not valid JSON") from None

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        """A `map` that names no variable of `operations` is the client's mistake, not ours."""
        try:
            return await super().parse_multipart(request)
        except (IndexError, TypeError, AttributeError, ValueError) as exc:
            raise GraphQLHTTPError(
                400, "The upload's `map` does not match its `operations`"
            ) from exc


def build_schema(
    *, mask_errors: bool, introspection: bool = True, query_parts: tuple[type, ...] = QUERY_PARTS
) -> strawberry.Schema:
    extensions: list = [
        # First in the list, so it sees every error the others and the execution made.
        lambda: ErrorCodes(mask=mask_errors),
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    query = merge_types("Query", query_parts)
    mutation = merge_types("Mutation", MUTATION_PARTS) if MUTATION_PARTS else None
    return StadtkernSchema(
        query=query,
        mutation=mutation,
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
    )


def build_graphql_router(*, mask_errors: bool, introspection: bool) -> GraphQLRouter:
    # No GraphiQL: it loads its assets from a third-party CDN. No GET: no mutations via links.
    return ProblemGraphQLRouter(
        build_schema(mask_errors=mask_errors, introspection=introspection),
        graphql_ide=None,
        allow_queries_via_get=False,
        # Uploads follow the GraphQL multipart request spec. Strawberry turns it off by default
        # against CSRF with cookies; this API reads bearer tokens only, never cookies.
        multipart_uploads_enabled=True,
        context_getter=build_context,
        include_in_schema=False,
    )
