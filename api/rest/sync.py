"""/v1/sync/changes: the change feed for partner platforms (keys with `sync:read`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from api.auth import SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.languages import RequestLanguage
from api.problem_catalog import problems
from api.rest.responses import json_document
from api.sync_documents import current_documents
from domain.cursors import FEED_POSITION_PATTERN
from domain.errors import InvalidInput
from domain.identity.errors import (
    AccountRequired,
    NotAMember,
    RoleRequired,
    ScopeRequired,
    Unauthenticated,
)
from domain.syndication import feed

router = APIRouter(prefix="/v1/sync", tags=["sync"])

CURSOR_TEXT = (
    "Where to go on from: the `next_cursor` of the page before (any cursor this feed gave "
    "out stays valid); none starts at the beginning"
)


class ChangeOut(BaseModel):
    cursor: str = Field(description="This change's position: resume after it with ?after=")
    kind: Literal["campaign", "business", "offer"]
    id: UUID
    action: Literal["upsert", "delete"] = Field(
        description="upsert: `data` is the item as it is now; delete: a tombstone (gone, or "
        "no longer public here)"
    )
    occurred_at: datetime
    data: dict[str, Any] | None = Field(
        description="The item's current public document (as GET on it answers), or null"
    )


class ChangePageOut(BaseModel):
    items: list[ChangeOut]
    next_cursor: str | None = Field(
        description="Ask again with ?after= this; it stays the same while nothing changed"
    )
    has_more: bool = Field(description="More changes are waiting: ask again at once")


@router.get(
    "/changes",
    response_model=ChangePageOut,
    responses=problems(
        Unauthenticated, AccountRequired, NotAMember, RoleRequired, ScopeRequired, InvalidInput
    ),
    summary="Every create, update and delete of the tenant's campaigns (with tiers and "
    "totals, and those listed here from other tenants), businesses and offers, in commit "
    "order (partner keys with sync:read, admins)",
)
async def changes(
    principal: SignedInPrincipal,
    tenant: CurrentTenant,
    services: ServicesDep,
    language: RequestLanguage,
    after: Annotated[
        str | None, Query(max_length=40, pattern=FEED_POSITION_PATTERN, description=CURSOR_TEXT)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_PAGE)] = 100,
) -> Response:
    page = await feed.read_changes(
        principal, after, limit=limit, reads=services.change_reads(tenant)
    )
    documents = await current_documents(page.entries, tenant, services, language)
    items = []
    for entry in page.entries:
        data = documents.get((entry.kind, entry.item_id))
        items.append(
            {
                "cursor": entry.cursor,
                "kind": entry.kind,
                "id": entry.item_id,
                "action": "upsert" if data is not None else "delete",
                "occurred_at": entry.occurred_at,
                "data": data,
            }
        )
    response = json_document(
        {"items": items, "next_cursor": page.next_cursor, "has_more": page.has_more}
    )
    response.headers["Cache-Control"] = "no-store"
    return response
