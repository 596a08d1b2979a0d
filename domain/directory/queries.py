"""Reads of the directory: lists and offers, with their limits and who sees hidden listings.
The rows come from the read port, straight from SQL. The map and search are discovery's
(domain/discovery/); the directory feeds them through domain/directory/pins.py."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.directory.policies import is_moderator
from domain.directory.ports import BusinessFilter, BusinessSummary, DirectoryReads, Page
from domain.errors import FieldProblem, InvalidInput
from domain.identity.model import Principal

MAX_PAGE = 100


def _visible(where: BusinessFilter, principal: Principal) -> BusinessFilter:
    """Hidden listings stay in lists only for moderators who ask for them."""
    return dataclasses.replace(
        where, include_hidden=where.include_hidden and is_moderator(principal)
    )


# Stands for "keys that name no category": matches no business.
NO_CATEGORY = UUID(int=0)


def category_refs(refs: list[str] | tuple[str, ...]) -> tuple[tuple[UUID, ...], tuple[str, ...]]:
    """A filter's categories, each named by its id or its key: (ids, keys)."""
    ids, keys = [], []
    for ref in refs:
        # Only an id's canonical form is an id: a key may be 32 hex digits, which UUID() takes.
        if _CANONICAL_ID.fullmatch(ref):
            ids.append(UUID(ref))
        else:
            keys.append(ref)
    return tuple(ids), tuple(keys)


_CANONICAL_ID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


async def _with_key_ids(
    ids: tuple[UUID, ...], keys: tuple[str, ...], reads: DirectoryReads
) -> tuple[UUID, ...]:
    """The ids, and those of the categories the keys name (unknown keys match nothing)."""
    if not keys:
        return ids
    return ids + (tuple(await reads.category_ids_by_key(keys)) or (NO_CATEGORY,))


async def prepared(
    where: BusinessFilter, principal: Principal, reads: DirectoryReads
) -> BusinessFilter:
    """The filter as the read port takes it: hidden listings only for moderators who ask,
    categories by id."""
    return dataclasses.replace(
        _visible(where, principal),
        category_ids=await _with_key_ids(where.category_ids, where.category_keys, reads),
        category_keys=(),
    )


def _bounded(limit: int, maximum: int) -> int:
    if not 1 <= limit <= maximum:
        raise InvalidInput([FieldProblem("limit", f"must be 1 to {maximum}")])
    return limit


async def list_businesses(
    where: BusinessFilter,
    principal: Principal,
    *,
    reads: DirectoryReads,
    limit: int,
    cursor: str | None,
) -> Page:
    return await reads.list_businesses(
        await prepared(where, principal, reads), limit=_bounded(limit, MAX_PAGE), cursor=cursor
    )


async def current_offers(
    now: datetime,
    *,
    reads: DirectoryReads,
    business_ids: list[UUID] | None,
    limit: int,
    cursor: str | None,
) -> Page:
    return await reads.current_offers(
        now, business_ids=business_ids, limit=_bounded(limit, MAX_PAGE), cursor=cursor
    )


def open_now_of(found: list[BusinessSummary], zone: ZoneInfo, now: datetime) -> list[bool | None]:
    """Whether each is open now. Businesses with the same hours share one parsed OpeningHours
    (see hours_from_json), so keying by identity evaluates each distinct schedule once; the
    summaries hold the objects, so no identity is reused meanwhile."""
    known: dict[int, bool | None] = {}
    for s in found:
        hours = s.opening_hours
        if id(hours) not in known:
            known[id(hours)] = None if hours.is_empty else hours.status_at(now, zone).open_now
    return [known[id(s.opening_hours)] for s in found]
